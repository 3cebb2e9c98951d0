//! The SeaORM adapters against real databases: every scenario runs once on a
//! fresh SQLite file and once on a fresh PostgreSQL database.
//!
//! The PostgreSQL variants need a server on which they may create and drop
//! databases: `postgres://postgres@127.0.0.1:5432/postgres` unless
//! `SESAME_TEST_DATABASE_URL` names another. They fail, never skip, when it
//! cannot be reached (see `sesame_persistence::test_support`).

mod api_keys;
mod audit_log;
mod credit_ledger;
mod helpers;
mod organizations;
mod readiness;
mod service_accounts;
mod usage_from_many_instances;
