//! SeaORM adapters for Sesame's storage ports. SQLite is the embedded
//! default; PostgreSQL is how installations scale out. The same code serves
//! both.

mod api_key_repository;
mod audit_log;
mod connection;
mod conversions;
mod credit_ledger;
mod entities;
mod error;
mod invalidation_bus;
mod operations;
mod organization_repository;
mod redis_rate_limit_store;
mod rows;
mod service_account_repository;
mod startup;
#[cfg(feature = "test-support")]
pub mod test_support;
mod usage_limit_columns;

pub use api_key_repository::SeaOrmApiKeyRepository;
pub use audit_log::SeaOrmAuditLog;
pub use connection::PoolTuning;
pub use connection::{Database, DatabaseError, DatabaseSettings};
pub use credit_ledger::SeaOrmCreditLedger;
pub use invalidation_bus::{InvalidationBusSettings, PgInvalidationBus, INVALIDATION_CHANNEL};
pub use operations::PoolUsage;
pub use organization_repository::SeaOrmOrganizationRepository;
pub use redis_rate_limit_store::{RedisRateLimitStore, RedisSettings};
pub use service_account_repository::SeaOrmServiceAccountRepository;
pub use startup::{describe as describe_database_url, StartupLock, Unreachable};
