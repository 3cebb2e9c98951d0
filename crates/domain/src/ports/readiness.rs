use async_trait::async_trait;
use thiserror::Error;

/// Why an instance cannot serve now. For the log: a probe's answer says
/// only "not ready".
#[derive(Debug, Error)]
pub enum NotReady {
    #[error("the database does not answer")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("{pending} database migrations are not applied")]
    MigrationsPending { pending: usize },
}

/// Whether the storage this instance needs can serve requests: what a load
/// balancer's readiness probe asks.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait ReadinessCheck: Send + Sync {
    /// # Errors
    /// `Unreachable` when storage does not answer; `MigrationsPending`
    /// when its schema is older than this build's.
    async fn ready(&self) -> Result<(), NotReady>;
}
