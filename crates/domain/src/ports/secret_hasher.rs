use async_trait::async_trait;
use thiserror::Error;

use crate::{SecretBytes, SecretHash};

#[derive(Debug, Error)]
pub enum HashError {
    /// The stored hash could not be read (corrupt row, unknown algorithm).
    #[error("the stored hash is unreadable")]
    Unreadable,
    #[error("hashing failed")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Slow, salted hashing of secrets (argon2id in production).
///
/// Implementations MUST compare in constant time and SHOULD keep the CPU
/// work off the async executor's threads.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait SecretHasher: Send + Sync {
    /// # Errors
    /// `Unexpected` if the hashing primitive fails.
    async fn hash(&self, secret: &SecretBytes) -> Result<SecretHash, HashError>;

    /// Whether `secret` matches `hash`.
    ///
    /// # Errors
    /// `Unreadable` if `hash` is not a hash this hasher understands.
    async fn verify(&self, secret: &SecretBytes, hash: &SecretHash) -> Result<bool, HashError>;
}
