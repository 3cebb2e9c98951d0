use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;
use sesame_migrations::Migrator;
use thiserror::Error;

use crate::{
    SeaOrmApiKeyRepository, SeaOrmAuditLog, SeaOrmCreditLedger, SeaOrmOrganizationRepository,
    SeaOrmServiceAccountRepository,
};

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `sqlite://sesame.db?mode=rwc` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

/// What failed when opening or migrating the database. The Display says
/// which step failed; the cause is the error's source, so that it is not
/// printed twice when the chain is.
#[derive(Debug, Error)]
pub enum DatabaseError {
    #[error("cannot open the database")]
    Connect(#[source] DbErr),
    #[error("cannot migrate the database")]
    Migrate(#[source] DbErr),
    #[error("cannot close the database")]
    Close(#[source] DbErr),
    #[error("cannot take the start-up lock")]
    Lock(#[source] DbErr),
}

/// A pool on SQLite or PostgreSQL and the repositories that share it. Cheap
/// to clone; the only way in, so that callers never name a SeaORM type.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) conn: DatabaseConnection,
}

impl Database {
    /// Opens a pool. SQLite runs in WAL mode so readers never wait on the
    /// usage writer.
    ///
    /// # Errors
    /// When the database cannot be reached or opened.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        open(settings).await.map(|conn| Self { conn }).map_err(DatabaseError::Connect)
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// When a migration fails; nothing of that migration is kept on PostgreSQL.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        Migrator::up(&self.conn, None).await.map_err(DatabaseError::Migrate)
    }

    /// Ends a clean stop: on SQLite, writes the write-ahead log back into
    /// the database file and empties it, so that the file alone (a copy, a
    /// backup) holds every committed change. Nothing to do on PostgreSQL.
    ///
    /// # Errors
    /// When the checkpoint fails.
    pub async fn checkpoint(&self) -> Result<(), DatabaseError> {
        if self.conn.get_database_backend() == DbBackend::Sqlite {
            self.conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE);").await.map_err(DatabaseError::Close)?;
        }
        Ok(())
    }

    pub fn api_keys(&self) -> SeaOrmApiKeyRepository {
        SeaOrmApiKeyRepository::new(self.conn.clone())
    }

    pub fn organizations(&self) -> SeaOrmOrganizationRepository {
        SeaOrmOrganizationRepository::new(self.conn.clone())
    }

    pub fn credits(&self) -> SeaOrmCreditLedger {
        SeaOrmCreditLedger::new(self.conn.clone())
    }

    pub fn service_accounts(&self) -> SeaOrmServiceAccountRepository {
        SeaOrmServiceAccountRepository::new(self.conn.clone())
    }

    pub fn audit_log(&self) -> SeaOrmAuditLog {
        SeaOrmAuditLog::new(self.conn.clone())
    }
}

pub(crate) async fn open(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    open_tuned(settings, &PoolTuning::default()).await
}

/// Pool settings beyond [`DatabaseSettings`], with defaults for a small
/// deployment.
#[derive(Debug, Clone, Default)]
pub struct PoolTuning {
    /// How long a request waits for a free connection of the pool.
    pub acquire_timeout: Option<Duration>,
    /// PostgreSQL: the longest any one statement may run.
    pub statement_timeout: Option<Duration>,
}

pub(crate) async fn open_tuned(settings: &DatabaseSettings, tuning: &PoolTuning) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.url.clone());
    options.max_connections(settings.max_connections).connect_timeout(settings.connect_timeout).sqlx_logging(false);
    if let Some(timeout) = tuning.acquire_timeout {
        options.acquire_timeout(timeout);
    }
    if let Some(timeout) = tuning.statement_timeout {
        let millis = timeout.as_millis().to_string();
        options.map_sqlx_postgres_opts(move |pg| pg.options([("statement_timeout", millis.as_str())]));
    }
    let db = sea_orm::Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL;").await?;
        db.execute_unprepared("PRAGMA synchronous = NORMAL;").await?;
    }
    Ok(db)
}
