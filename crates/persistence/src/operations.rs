//! What operators ask of the database: is it ready, and how busy is the pool.

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::MigratorTrait;
use sesame_domain::ports::{NotReady, ReadinessCheck};
use sesame_migrations::Migrator;

use crate::Database;

/// Connections of the shared pool now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Lent to a query or transaction.
    pub in_use: u32,
    /// Open and waiting to be lent.
    pub idle: u32,
}

impl Database {
    pub fn pool_usage(&self) -> PoolUsage {
        let (size, idle) = match &self.conn {
            DatabaseConnection::SqlxPostgresPoolConnection(_) => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DatabaseConnection::SqlxSqlitePoolConnection(_) => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX);
        PoolUsage { in_use: size.saturating_sub(idle), idle }
    }
}

#[async_trait]
impl ReadinessCheck for Database {
    async fn ready(&self) -> Result<(), NotReady> {
        let backend = self.conn.get_database_backend();
        self.conn
            .execute(Statement::from_string(backend, "SELECT 1"))
            .await
            .map_err(|e| NotReady::Unreachable(Box::new(e)))?;
        let pending =
            Migrator::get_pending_migrations(&self.conn).await.map_err(|e| NotReady::Unreachable(Box::new(e)))?.len();
        if pending > 0 {
            return Err(NotReady::MigrationsPending { pending });
        }
        Ok(())
    }
}
