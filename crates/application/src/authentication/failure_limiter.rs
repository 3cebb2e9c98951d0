//! Bounds the argon2id work that wrong or unknown keys can cause, without
//! letting anyone lock out a key or an address it does not own.
//!
//! The policy (docs/architecture.md, "Failed-attempt budgets"):
//! - An uncached attempt for a key that exists spends one cell of the
//!   budget of that key *from that address* (`per_key`). Whoever sends wrong
//!   secrets for a key from one address only blocks that key from that
//!   address: the key's owner, calling from elsewhere, is not affected.
//! - An attempt for a lookup id that does not exist spends one cell of the
//!   address's budget (`per_ip`). An address that has spent it gets 429 for
//!   unknown lookup ids, after a database read and without hashing, but its
//!   keys that exist are still checked: a gateway that relays many clients'
//!   bad keys from one address does not lock out the good ones behind it.
//! - Cells are spent *before* the hash, atomically (governor's GCRA), so
//!   concurrent attempts can never overshoot a budget.
//! - IPv6 addresses are budgeted per /64, the block one host is usually
//!   given, so stepping through a subnet buys no extra attempts.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use moka::sync::Cache;
use sesame_domain::LookupId;

/// How many attempts are tolerated, and how fast they are forgiven.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimits {
    /// Uncached attempts one key may see from one address per window.
    pub per_key: u32,
    /// Attempts with unknown lookup ids one address may make per window.
    pub per_ip: u32,
    pub window: Duration,
}

impl Default for FailureLimits {
    fn default() -> Self {
        Self { per_key: 10, per_ip: 100, window: Duration::from_secs(60) }
    }
}

/// The unit an address is budgeted as: itself for IPv4, its /64 for IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Origin {
    V4([u8; 4]),
    V6Net([u8; 8]),
    Unknown,
}

impl From<Option<IpAddr>> for Origin {
    fn from(ip: Option<IpAddr>) -> Self {
        match ip {
            Some(IpAddr::V4(v4)) => Self::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.octets()),
                None => {
                    let mut net = [0; 8];
                    net.copy_from_slice(&v6.octets()[..8]);
                    Self::V6Net(net)
                }
            },
            None => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subject {
    KeyFrom(LookupId, Origin),
    Origin(Origin),
}

#[derive(Clone)]
pub struct FailureLimiter {
    per_key: Option<Arc<DefaultKeyedRateLimiter<(LookupId, Origin)>>>,
    per_ip: Option<Arc<DefaultKeyedRateLimiter<Origin>>>,
    /// Subjects known to be out of budget, and until when: lets a blocked
    /// key be refused before the database read.
    blocked: Cache<Subject, Instant>,
    attempts: Arc<AtomicU64>,
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
            attempts: Arc::default(),
        }
    }

    /// How long `lookup` must wait from `ip`, if that pair is known to have
    /// spent its budget. Spends nothing; answers without storage.
    pub fn retry_after(&self, lookup: LookupId, ip: Option<IpAddr>) -> Option<Duration> {
        let until = self.blocked.get(&Subject::KeyFrom(lookup, ip.into()))?;
        until.checked_duration_since(Instant::now())
    }

    /// Spends one attempt of `lookup`'s budget from `ip`, before its hash
    /// is checked.
    ///
    /// # Errors
    /// How long to wait when the budget is spent.
    pub fn spend_key_attempt(&self, lookup: LookupId, ip: Option<IpAddr>) -> Result<(), Duration> {
        let subject = (lookup, Origin::from(ip));
        let spent = self.per_key.as_ref().map_or(Ok(()), |limiter| limiter.check_key(&subject));
        self.settle(Subject::KeyFrom(subject.0, subject.1), spent)
    }

    /// Spends one attempt of `ip`'s budget for lookup ids that do not exist.
    ///
    /// # Errors
    /// How long to wait when the budget is spent.
    pub fn spend_unknown_attempt(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        let origin = Origin::from(ip);
        let spent = match (&self.per_ip, origin) {
            // A caller whose address is unknown is budgeted per key only.
            (_, Origin::Unknown) | (None, _) => Ok(()),
            (Some(limiter), origin) => limiter.check_key(&origin),
        };
        self.settle(Subject::Origin(origin), spent)
    }

    fn settle(
        &self,
        subject: Subject,
        spent: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
    ) -> Result<(), Duration> {
        self.forget_refilled_budgets();
        let Err(not_until) = spent else { return Ok(()) };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        self.blocked.insert(subject, Instant::now() + wait);
        Err(wait.max(Duration::from_millis(1)))
    }

    /// Forgets budgets that have refilled, so the state stays bounded.
    fn forget_refilled_budgets(&self) {
        if self.attempts.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            for limiter in self.per_key.iter() {
                limiter.retain_recent();
            }
            for limiter in self.per_ip.iter() {
                limiter.retain_recent();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(n: u8) -> LookupId {
        LookupId::from_bytes([n; 16])
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn limits(per_key: u32, per_ip: u32) -> FailureLimits {
        FailureLimits { per_key, per_ip, window: Duration::from_secs(3600) }
    }

    #[test]
    fn a_key_is_refused_from_an_address_once_that_pair_spent_its_budget() {
        let limiter = FailureLimiter::new(limits(3, 0));
        for _ in 0..3 {
            assert_eq!(limiter.spend_key_attempt(lookup(1), ip("203.0.113.1")), Ok(()));
        }
        let wait = limiter.spend_key_attempt(lookup(1), ip("203.0.113.1")).unwrap_err();
        assert!(wait > Duration::ZERO);
        assert!(limiter.retry_after(lookup(1), ip("203.0.113.1")).is_some(), "known without storage from now on");
        assert_eq!(limiter.retry_after(lookup(2), ip("203.0.113.1")), None, "other keys are not affected");
    }

    #[test]
    fn attempts_from_one_address_never_lock_the_key_out_for_another() {
        let limiter = FailureLimiter::new(limits(3, 0));
        for _ in 0..10 {
            let _ = limiter.spend_key_attempt(lookup(1), ip("203.0.113.66"));
        }
        assert_eq!(limiter.retry_after(lookup(1), ip("198.51.100.7")), None);
        assert_eq!(limiter.spend_key_attempt(lookup(1), ip("198.51.100.7")), Ok(()));
    }

    #[test]
    fn an_address_spends_its_unknown_lookup_budget_without_touching_key_budgets() {
        let limiter = FailureLimiter::new(limits(3, 2));
        for _ in 0..2 {
            assert_eq!(limiter.spend_unknown_attempt(ip("203.0.113.1")), Ok(()));
        }
        assert!(limiter.spend_unknown_attempt(ip("203.0.113.1")).is_err());
        assert_eq!(limiter.spend_unknown_attempt(ip("203.0.113.2")), Ok(()), "another address has its own");
        assert_eq!(limiter.spend_key_attempt(lookup(1), ip("203.0.113.1")), Ok(()), "its real keys still get checked");
    }

    #[test]
    fn an_ipv6_subnet_of_64_bits_shares_one_budget() {
        let limiter = FailureLimiter::new(limits(0, 2));
        assert_eq!(limiter.spend_unknown_attempt(ip("2001:db8:1:2::1")), Ok(()));
        assert_eq!(limiter.spend_unknown_attempt(ip("2001:db8:1:2:ffff::9")), Ok(()));
        assert!(limiter.spend_unknown_attempt(ip("2001:db8:1:2::abcd")).is_err());
        assert_eq!(limiter.spend_unknown_attempt(ip("2001:db8:1:3::1")), Ok(()), "the next /64 is another origin");
    }

    #[test]
    fn an_ipv4_mapped_address_shares_the_ipv4_addresss_budget() {
        let limiter = FailureLimiter::new(limits(0, 1));
        assert_eq!(limiter.spend_unknown_attempt(ip("192.0.2.1")), Ok(()));
        assert!(limiter.spend_unknown_attempt(ip("::ffff:192.0.2.1")).is_err());
    }

    #[test]
    fn concurrent_attempts_never_spend_more_than_the_budget() {
        let limiter = FailureLimiter::new(limits(0, 100));
        let admitted = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..40 {
                        if limiter.spend_unknown_attempt(ip("203.0.113.9")).is_ok() {
                            admitted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(admitted.into_inner(), 100);
    }

    #[test]
    fn a_block_ends_when_the_budget_refills() {
        let limiter = FailureLimiter::new(FailureLimits { per_key: 1, per_ip: 0, window: Duration::from_millis(100) });
        assert_eq!(limiter.spend_key_attempt(lookup(1), None), Ok(()));
        assert!(limiter.spend_key_attempt(lookup(1), None).is_err());
        assert!(limiter.retry_after(lookup(1), None).is_some());
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(limiter.retry_after(lookup(1), None), None);
        assert_eq!(limiter.spend_key_attempt(lookup(1), None), Ok(()));
    }
}
