use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sesame_domain::ports::{RateLimitCheck, RateLimitStore, RateLimitStoreError, SubjectLimit};
use sesame_domain::{LimitState, LimitSubject};

/// Windows kept before expired ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    ends_at: DateTime<Utc>,
    used: u64,
}

/// Rate limits counted in this process: exact on one instance; across N
/// instances a limit admits at most N × limit per window.
#[derive(Default)]
pub struct MemoryRateLimitStore {
    windows: Mutex<HashMap<(LimitSubject, String), Window>>,
}

impl MemoryRateLimitStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RateLimitStore for MemoryRateLimitStore {
    async fn check(
        &self,
        limits: &[SubjectLimit],
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<RateLimitCheck, RateLimitStoreError> {
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| w.ends_at > now);
        }
        // The windows as they stand now: an ended one starts afresh.
        let current: Vec<Window> = limits
            .iter()
            .map(|l| {
                let live = windows.get(&(l.subject, l.limit.name().to_owned())).filter(|w| w.ends_at > now);
                live.copied().unwrap_or_else(|| Window {
                    ends_at: now + chrono::Duration::from_std(l.limit.duration()).unwrap_or(chrono::Duration::MAX),
                    used: 0,
                })
            })
            .collect();
        let exceeded = limits.iter().zip(&current).position(|(l, w)| w.used.saturating_add(cost) > l.limit.limit());
        let mut states = Vec::with_capacity(limits.len());
        for (l, mut w) in limits.iter().zip(current) {
            if exceeded.is_none() && cost > 0 {
                w.used += cost;
                windows.insert((l.subject, l.limit.name().to_owned()), w);
            }
            states.push(LimitState {
                name: l.limit.name().to_owned(),
                limit: l.limit.limit(),
                remaining: l.limit.limit().saturating_sub(w.used),
                reset_at: w.ends_at,
                window_seconds: l.limit.duration().as_secs(),
            });
        }
        Ok(RateLimitCheck { states, exceeded })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::now;
    use sesame_domain::{ApiKeyId, RateLimit};

    fn limit(subject: LimitSubject, name: &str, limit: i64, secs: i64) -> SubjectLimit {
        SubjectLimit { subject, limit: RateLimit::parse(name, limit, secs).unwrap() }
    }

    #[tokio::test]
    async fn a_limit_admits_its_budget_then_refuses_until_the_window_ends() {
        let store = MemoryRateLimitStore::new();
        let key = LimitSubject::ApiKey(ApiKeyId::generate());
        let limits = [limit(key, "default", 2, 10)];
        for left in [1, 0] {
            let check = store.check(&limits, 1, now()).await.unwrap();
            assert_eq!((check.exceeded, check.states[0].remaining), (None, left));
        }
        let refused = store.check(&limits, 1, now() + chrono::Duration::seconds(9)).await.unwrap();
        assert_eq!(refused.exceeded, Some(0));
        assert_eq!(refused.states[0].reset_at, now() + chrono::Duration::seconds(10));
        let again = store.check(&limits, 1, now() + chrono::Duration::seconds(10)).await.unwrap();
        assert_eq!((again.exceeded, again.states[0].remaining), (None, 1));
    }

    #[tokio::test]
    async fn nothing_is_spent_when_one_of_several_limits_has_no_room() {
        let store = MemoryRateLimitStore::new();
        let key = LimitSubject::ApiKey(ApiKeyId::generate());
        let limits = [limit(key, "burst", 5, 1), limit(key, "daily", 1, 86_400)];
        assert_eq!(store.check(&limits, 1, now()).await.unwrap().exceeded, None);
        let refused = store.check(&limits, 1, now()).await.unwrap();
        assert_eq!(refused.exceeded, Some(1));
        assert_eq!(refused.states[0].remaining, 4, "the burst limit was not charged for a refused request");
    }
}
