use thiserror::Error;

/// What a storage adapter may report.
#[derive(Debug, Error)]
pub enum RepositoryError {
    /// A uniqueness rule was broken (the named constraint or field).
    #[error("conflict on {0}")]
    Conflict(String),
    /// The storage failed in a way the caller cannot act on.
    #[error("storage failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The storage could not be reached (no connection, connection lost, pool
/// exhausted): nothing was written, and the same request may succeed in a
/// moment. Carried as the source of [`RepositoryError::Unexpected`], so
/// that the edge can answer 503 and `Retry-After` instead of 500.
#[derive(Debug, Error)]
#[error("the storage is unavailable")]
pub struct StorageUnavailable(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl StorageUnavailable {
    /// Whether `err` or one of its causes is a `StorageUnavailable`.
    pub fn in_chain(err: &(dyn std::error::Error + 'static)) -> bool {
        let mut current = Some(err);
        while let Some(e) = current {
            if e.is::<StorageUnavailable>() {
                return true;
            }
            current = e.source();
        }
        false
    }
}

impl RepositoryError {
    pub fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(err))
    }
}
