use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::{LimitState, LimitSubject, RateLimit};

/// One named limit of one subject, as a store counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectLimit {
    pub subject: LimitSubject,
    pub limit: RateLimit,
}

/// The answer to one check: the state of every limit checked, in order,
/// and the index of the first one that had no room for the cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitCheck {
    pub states: Vec<LimitState>,
    pub exceeded: Option<usize>,
}

/// The store could not answer (unreachable, timed out, a bad reply).
#[derive(Debug, Error)]
#[error("the rate-limit store failed: {0}")]
pub struct RateLimitStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Counts uses against named limits.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Spends `cost` on every one of `limits` if each has room for it, and
    /// on none otherwise, atomically: two concurrent checks never both take
    /// the last unit. A window starts at the first use after the previous
    /// one ended. `cost` 0 reads the states without spending.
    ///
    /// # Errors
    /// [`RateLimitStoreError`] when the store cannot answer; nothing was
    /// spent that the caller can rely on.
    async fn check(
        &self,
        limits: &[SubjectLimit],
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<RateLimitCheck, RateLimitStoreError>;
}
