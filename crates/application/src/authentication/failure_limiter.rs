//! Bounds the argon2id work that wrong or unknown keys can cause.
//!
//! Every failed verification (unknown lookup id, wrong secret) spends one
//! cell of two budgets: the lookup id's and the client IP's (governor's
//! GCRA). When either is empty, further attempts for that lookup id or from
//! that IP are refused without any hashing until the budget refills, and the
//! caller is told when to retry.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use moka::sync::Cache;
use sesame_domain::LookupId;

/// How many failures are tolerated, and how fast they are forgiven.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimits {
    /// Failures one lookup id may cause per window.
    pub per_key: u32,
    /// Failures one client IP may cause per window.
    pub per_ip: u32,
    pub window: Duration,
}

impl Default for FailureLimits {
    fn default() -> Self {
        Self { per_key: 10, per_ip: 100, window: Duration::from_secs(60) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subject {
    Key(LookupId),
    Ip(IpAddr),
}

#[derive(Clone)]
pub struct FailureLimiter {
    per_key: Option<Arc<DefaultKeyedRateLimiter<LookupId>>>,
    per_ip: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    blocked: Cache<Subject, Instant>,
    failures: Arc<AtomicU64>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(burst: u32, window: Duration) -> Option<Arc<DefaultKeyedRateLimiter<K>>> {
    let burst = NonZeroU32::new(burst)?;
    let period = window.checked_div(burst.get()).filter(|p| !p.is_zero())?;
    let quota = Quota::with_period(period)?.allow_burst(burst);
    Some(Arc::new(RateLimiter::keyed(quota)))
}

impl FailureLimiter {
    /// A limit of 0 disables that budget.
    pub fn new(limits: FailureLimits) -> Self {
        Self {
            per_key: limiter(limits.per_key, limits.window),
            per_ip: limiter(limits.per_ip, limits.window),
            blocked: Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(limits.window.max(Duration::from_secs(1)))
                .build(),
            failures: Arc::default(),
        }
    }

    /// How long `lookup` or `ip` must wait, if either has spent its budget.
    pub fn retry_after(&self, lookup: LookupId, ip: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let subjects = [Some(Subject::Key(lookup)), ip.map(Subject::Ip)];
        subjects
            .into_iter()
            .flatten()
            .filter_map(|s| self.blocked.get(&s))
            .filter_map(|until| until.checked_duration_since(now))
            .max()
    }

    /// Spends one failure from both budgets, blocking what ran out.
    pub fn record_failure(&self, lookup: LookupId, ip: Option<IpAddr>) {
        let clock = DefaultClock::default();
        if let Some(limiter) = &self.per_key {
            if let Err(not_until) = limiter.check_key(&lookup) {
                self.block(Subject::Key(lookup), not_until.wait_time_from(clock.now()));
            }
        }
        if let (Some(limiter), Some(ip)) = (&self.per_ip, ip) {
            if let Err(not_until) = limiter.check_key(&ip) {
                self.block(Subject::Ip(ip), not_until.wait_time_from(clock.now()));
            }
        }
        // Forget budgets that have refilled, so the state stays bounded.
        if self.failures.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            for limiter in self.per_key.iter() {
                limiter.retain_recent();
            }
            for limiter in self.per_ip.iter() {
                limiter.retain_recent();
            }
        }
    }

    fn block(&self, subject: Subject, wait: Duration) {
        self.blocked.insert(subject, Instant::now() + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(n: u8) -> LookupId {
        LookupId::from_bytes([n; 16])
    }

    #[test]
    fn a_lookup_id_is_blocked_after_its_budget_of_failures() {
        let limiter = FailureLimiter::new(FailureLimits { per_key: 3, per_ip: 0, window: Duration::from_secs(60) });
        for _ in 0..3 {
            assert_eq!(limiter.retry_after(lookup(1), None), None);
            limiter.record_failure(lookup(1), None);
        }
        limiter.record_failure(lookup(1), None);
        let wait = limiter.retry_after(lookup(1), None).expect("blocked");
        assert!(wait <= Duration::from_secs(20), "{wait:?}");
        assert_eq!(limiter.retry_after(lookup(2), None), None, "other keys are not affected");
    }

    #[test]
    fn an_ip_is_blocked_after_its_budget_across_lookup_ids() {
        let limiter = FailureLimiter::new(FailureLimits { per_key: 0, per_ip: 2, window: Duration::from_secs(60) });
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        for n in 0..3 {
            limiter.record_failure(lookup(n), Some(ip));
        }
        assert!(limiter.retry_after(lookup(9), Some(ip)).is_some());
        assert!(limiter.retry_after(lookup(9), Some("203.0.113.2".parse().unwrap())).is_none());
    }

    #[test]
    fn a_block_ends_when_the_budget_refills() {
        let limiter = FailureLimiter::new(FailureLimits { per_key: 1, per_ip: 0, window: Duration::from_millis(100) });
        limiter.record_failure(lookup(1), None);
        limiter.record_failure(lookup(1), None);
        assert!(limiter.retry_after(lookup(1), None).is_some());
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(limiter.retry_after(lookup(1), None), None);
    }
}
