//! Sesame's schema, as an ordered list of migrations. A migration that has
//! been released is never edited: add a new one instead.

pub use sea_orm_migration::prelude::*;

mod m20250101_000001_create_organizations;
mod m20250101_000002_create_api_keys;
mod m20250101_000003_create_api_key_secrets;
mod m20250101_000004_create_audit_events;
mod m20250101_000005_create_service_accounts;
mod m20261202_000012_add_usage_limits;
mod m20261207_000016_add_leaked_at;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_create_organizations::Migration),
            Box::new(m20250101_000002_create_api_keys::Migration),
            Box::new(m20250101_000003_create_api_key_secrets::Migration),
            Box::new(m20250101_000004_create_audit_events::Migration),
            Box::new(m20250101_000005_create_service_accounts::Migration),
            Box::new(m20261202_000012_add_usage_limits::Migration),
            Box::new(m20261207_000016_add_leaked_at::Migration),
        ]
    }
}
