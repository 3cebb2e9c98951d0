use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use metrics::{counter, Counter};
use sesame_domain::ports::{RateLimitCheck, RateLimitStore, RateLimitStoreError, SubjectLimit};

/// Checks answered by the fallback because the shared store failed.
pub const RATE_LIMIT_FALLBACKS: &str = "sesame_rate_limit_fallbacks_total";

/// A shared store (Redis) with this instance's memory behind it: when the
/// shared store cannot answer, the check is made in memory (exact on this
/// instance, never open), logged once per outage and counted in
/// [`RATE_LIMIT_FALLBACKS`].
#[derive(Clone)]
pub struct FallbackRateLimitStore {
    primary: Arc<dyn RateLimitStore>,
    fallback: Arc<dyn RateLimitStore>,
    failing: Arc<AtomicBool>,
    fallbacks: Counter,
}

impl FallbackRateLimitStore {
    pub fn new(primary: Arc<dyn RateLimitStore>, fallback: Arc<dyn RateLimitStore>) -> Self {
        Self { primary, fallback, failing: Arc::default(), fallbacks: counter!(RATE_LIMIT_FALLBACKS) }
    }
}

#[async_trait]
impl RateLimitStore for FallbackRateLimitStore {
    async fn check(
        &self,
        limits: &[SubjectLimit],
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<RateLimitCheck, RateLimitStoreError> {
        match self.primary.check(limits, cost, now).await {
            Ok(check) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::warn!("the shared rate-limit store answers again; limits are shared across instances");
                }
                Ok(check)
            }
            Err(err) => {
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::error!(error = %err, source = ?std::error::Error::source(&err),
                        "the shared rate-limit store failed; limits fall back to this instance's memory");
                }
                self.fallbacks.increment(1);
                self.fallback.check(limits, cost, now).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MemoryRateLimitStore;
    use crate::test_support::now;
    use sesame_domain::ports::MockRateLimitStore;
    use sesame_domain::{ApiKeyId, LimitSubject, RateLimit};

    #[tokio::test]
    async fn a_failing_shared_store_falls_back_to_memory_and_still_limits() {
        let mut primary = MockRateLimitStore::new();
        primary.expect_check().returning(|_, _, _| Err(RateLimitStoreError("down".into())));
        let store = FallbackRateLimitStore::new(Arc::new(primary), Arc::new(MemoryRateLimitStore::new()));
        let limits = [SubjectLimit {
            subject: LimitSubject::ApiKey(ApiKeyId::generate()),
            limit: RateLimit::parse("default", 1, 60).unwrap(),
        }];
        assert_eq!(store.check(&limits, 1, now()).await.unwrap().exceeded, None);
        assert_eq!(store.check(&limits, 1, now()).await.unwrap().exceeded, Some(0), "never open");
    }
}
