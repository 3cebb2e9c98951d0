//! Seed 004's API: `/v1/api-keys/?account_id=…`, `{message, success,
//! data}`, permissions as `{resource: [actions]}` maps and
//! `account:<resource>:<action>` strings. Accepts Sesame keys (`sk_…`,
//! `pk_…`, `_test_` in the test environment) and, when a provider is
//! configured, JWT access tokens.

mod errors;
mod handlers;
mod routes;
mod schemas;

pub use errors::Accounts;
pub use routes::{openapi, routes};

pub const TAG: &str = "Account-scoped API (/v1/api-keys/)";
