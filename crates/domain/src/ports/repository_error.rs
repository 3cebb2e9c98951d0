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

impl RepositoryError {
    pub fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(err))
    }
}
