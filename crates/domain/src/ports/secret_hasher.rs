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

/// Hashing of secrets under the configured scheme (argon2id by default, or
/// a peppered HMAC-SHA-256); see docs/decisions/0009-hash-schemes.md.
///
/// Every stored hash names its scheme and parameters, so a hasher verifies
/// hashes of every scheme it knows, whichever it uses for new ones.
/// Implementations MUST compare in constant time and SHOULD keep slow work
/// off the async executor's threads.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait SecretHasher: Send + Sync {
    /// A hash of `secret` under the configured scheme and parameters.
    ///
    /// # Errors
    /// `Unexpected` if the hashing primitive fails.
    async fn hash(&self, secret: &SecretBytes) -> Result<SecretHash, HashError>;

    /// Whether `secret` matches `hash`. A hash of a known scheme keyed with
    /// a key this hasher does not hold (a pepper since removed) matches
    /// nothing: `Ok(false)`, never an error.
    ///
    /// # Errors
    /// `Unreadable` if `hash` is not a hash this hasher understands.
    async fn verify(&self, secret: &SecretBytes, hash: &SecretHash) -> Result<bool, HashError>;

    /// Whether `hash`, which a secret just matched, should be replaced by a
    /// fresh [`SecretHasher::hash`]: it is of another scheme, of older
    /// parameters, or keyed with an older pepper. Cheap: reads the string.
    fn needs_rehash(&self, hash: &SecretHash) -> bool;
}
