//! Bounds the argon2id work that wrong or unknown keys can cause, without
//! letting anyone lock out a key or an address it does not own.
//!
//! The policy (README, "Failed-attempt limits"):
//! - A wrong secret for a key that exists spends one unit of the budget of
//!   that key *from that address* (`per_key`). Whoever sends wrong secrets
//!   for a key from one address only blocks that key from that address: the
//!   key's owner, calling from elsewhere, is not affected.
//! - A lookup id that does not exist spends one unit of the address's budget
//!   (`per_ip`). An address that has spent it gets 429 for unknown lookup
//!   ids, after a database read and without hashing, but its keys that exist
//!   are still checked: a gateway that relays many clients' bad keys from
//!   one address does not lock out the good ones behind it.
//! - Only failures spend, but an attempt *in flight* holds a unit until it
//!   is judged, so concurrent attempts can never get past a budget; a right
//!   secret gives its unit back. (A GCRA limiter such as governor's cannot
//!   give a unit back, so the budgets are a sliding window of their own.)
//! - IPv6 addresses are budgeted per /64, the block one host is usually
//!   given, so stepping through a subnet buys no extra attempts.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache;
use sesame_domain::LookupId;

/// How many failures are tolerated, and over which window.
#[derive(Debug, Clone, Copy)]
pub struct FailureLimits {
    /// Wrong secrets one key may see from one address per window.
    pub per_key: u32,
    /// Unknown lookup ids one address may present per window.
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

/// One subject's budget: the failures of the window, and the attempts
/// still being judged.
#[derive(Debug, Default)]
struct Budget {
    failures: VecDeque<Instant>,
    in_flight: u32,
}

impl Budget {
    fn forget_before(&mut self, start: Instant) {
        while self.failures.front().is_some_and(|at| *at <= start) {
            self.failures.pop_front();
        }
    }
}

#[derive(Clone)]
pub struct FailureLimiter {
    limits: FailureLimits,
    budgets: Cache<Subject, Arc<Mutex<Budget>>>,
}

/// An attempt holding one unit of a budget until it is judged. Dropped
/// without [`Attempt::failed`] (a right secret, a cancelled request, a
/// database error), it gives the unit back.
#[must_use = "an attempt holds a unit of its budget until it is judged"]
pub struct Attempt {
    budget: Option<Arc<Mutex<Budget>>>,
}

impl Attempt {
    /// The attempt failed: its unit stays spent for the window.
    pub fn failed(mut self) {
        if let Some(budget) = self.budget.take() {
            let mut budget = budget.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            budget.in_flight -= 1;
            budget.failures.push_back(Instant::now());
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(budget) = self.budget.take() {
            budget.lock().unwrap_or_else(std::sync::PoisonError::into_inner).in_flight -= 1;
        }
    }
}

impl FailureLimiter {
    /// A limit of 0 disables that budget.
    pub fn new(limits: FailureLimits) -> Self {
        Self {
            limits,
            budgets: Cache::builder()
                .max_capacity(1_000_000)
                .time_to_idle(limits.window.max(Duration::from_secs(1)))
                .build(),
        }
    }

    fn limit_of(&self, subject: Subject) -> u32 {
        match subject {
            Subject::KeyFrom(..) => self.limits.per_key,
            // A caller whose address is unknown is budgeted per key only.
            Subject::Origin(Origin::Unknown) => 0,
            Subject::Origin(_) => self.limits.per_ip,
        }
    }

    /// How long `lookup` must wait from `ip`, if that pair has spent its
    /// budget on failures. Holds nothing; answers without storage.
    pub fn retry_after(&self, lookup: LookupId, ip: Option<IpAddr>) -> Option<Duration> {
        let subject = Subject::KeyFrom(lookup, ip.into());
        let limit = self.limit_of(subject) as usize;
        let budget = self.budgets.get(&subject)?;
        let mut budget = budget.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        budget.forget_before(now.checked_sub(self.limits.window).unwrap_or(now));
        if limit == 0 || budget.failures.len() < limit {
            return None;
        }
        Some(self.wait(&budget, now))
    }

    /// Begins checking a secret for `lookup`, sent from `ip`.
    ///
    /// # Errors
    /// How long to wait when failures and attempts in flight fill the budget.
    pub fn begin_key_attempt(&self, lookup: LookupId, ip: Option<IpAddr>) -> Result<Attempt, Duration> {
        self.begin(Subject::KeyFrom(lookup, ip.into()))
    }

    /// Begins judging a lookup id that does not exist, sent from `ip`.
    ///
    /// # Errors
    /// How long to wait when failures and attempts in flight fill the budget.
    pub fn begin_unknown_attempt(&self, ip: Option<IpAddr>) -> Result<Attempt, Duration> {
        self.begin(Subject::Origin(ip.into()))
    }

    fn begin(&self, subject: Subject) -> Result<Attempt, Duration> {
        let limit = self.limit_of(subject);
        if limit == 0 {
            return Ok(Attempt { budget: None });
        }
        let budget = self.budgets.get_with(subject, Arc::default);
        {
            let mut state = budget.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            state.forget_before(now.checked_sub(self.limits.window).unwrap_or(now));
            if state.failures.len() + state.in_flight as usize >= limit as usize {
                return Err(self.wait(&state, now));
            }
            state.in_flight += 1;
        }
        Ok(Attempt { budget: Some(budget) })
    }

    /// Until the oldest failure leaves the window; a second when attempts
    /// in flight are what fill the budget.
    fn wait(&self, budget: &Budget, now: Instant) -> Duration {
        budget
            .failures
            .front()
            .map_or(Duration::from_secs(1), |oldest| (*oldest + self.limits.window).saturating_duration_since(now))
            .max(Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn lookup(n: u8) -> LookupId {
        LookupId::from_bytes([n; 16])
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn limits(per_key: u32, per_ip: u32) -> FailureLimits {
        FailureLimits { per_key, per_ip, window: Duration::from_secs(3600) }
    }

    fn fail_key(limiter: &FailureLimiter, n: u8, from: &str) -> Result<(), Duration> {
        limiter.begin_key_attempt(lookup(n), ip(from)).map(Attempt::failed)
    }

    #[test]
    fn a_key_is_refused_from_an_address_once_that_pair_spent_its_budget() {
        let limiter = FailureLimiter::new(limits(3, 0));
        for _ in 0..3 {
            assert_eq!(fail_key(&limiter, 1, "203.0.113.1"), Ok(()));
        }
        assert!(fail_key(&limiter, 1, "203.0.113.1").is_err());
        assert!(limiter.retry_after(lookup(1), ip("203.0.113.1")).is_some(), "known without storage from now on");
        assert_eq!(limiter.retry_after(lookup(2), ip("203.0.113.1")), None, "other keys are not affected");
    }

    #[test]
    fn right_secrets_spend_nothing() {
        let limiter = FailureLimiter::new(limits(2, 0));
        for _ in 0..50 {
            drop(limiter.begin_key_attempt(lookup(1), ip("203.0.113.1")).expect("admitted"));
        }
        assert_eq!(limiter.retry_after(lookup(1), ip("203.0.113.1")), None);
    }

    #[test]
    fn attempts_from_one_address_never_lock_the_key_out_for_another() {
        let limiter = FailureLimiter::new(limits(3, 0));
        for _ in 0..10 {
            let _ = fail_key(&limiter, 1, "203.0.113.66");
        }
        assert_eq!(limiter.retry_after(lookup(1), ip("198.51.100.7")), None);
        assert_eq!(fail_key(&limiter, 1, "198.51.100.7"), Ok(()));
    }

    #[test]
    fn an_address_spends_its_unknown_lookup_budget_without_touching_key_budgets() {
        let limiter = FailureLimiter::new(limits(3, 2));
        for _ in 0..2 {
            limiter.begin_unknown_attempt(ip("203.0.113.1")).expect("admitted").failed();
        }
        assert!(limiter.begin_unknown_attempt(ip("203.0.113.1")).is_err());
        assert!(limiter.begin_unknown_attempt(ip("203.0.113.2")).is_ok(), "another address has its own");
        assert!(limiter.begin_key_attempt(lookup(1), ip("203.0.113.1")).is_ok(), "its real keys still get checked");
    }

    #[test]
    fn an_ipv6_subnet_of_64_bits_shares_one_budget() {
        let limiter = FailureLimiter::new(limits(0, 2));
        limiter.begin_unknown_attempt(ip("2001:db8:1:2::1")).unwrap().failed();
        limiter.begin_unknown_attempt(ip("2001:db8:1:2:ffff::9")).unwrap().failed();
        assert!(limiter.begin_unknown_attempt(ip("2001:db8:1:2::abcd")).is_err());
        assert!(limiter.begin_unknown_attempt(ip("2001:db8:1:3::1")).is_ok(), "the next /64 is another origin");
    }

    #[test]
    fn an_ipv4_mapped_address_shares_the_ipv4_addresss_budget() {
        let limiter = FailureLimiter::new(limits(0, 1));
        limiter.begin_unknown_attempt(ip("192.0.2.1")).unwrap().failed();
        assert!(limiter.begin_unknown_attempt(ip("::ffff:192.0.2.1")).is_err());
    }

    #[test]
    fn attempts_in_flight_hold_the_budget_so_concurrency_cannot_overshoot_it() {
        let limiter = FailureLimiter::new(limits(0, 100));
        let admitted = AtomicU64::new(0);
        let held = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..40 {
                        if let Ok(attempt) = limiter.begin_unknown_attempt(ip("203.0.113.9")) {
                            admitted.fetch_add(1, Ordering::Relaxed);
                            held.lock().unwrap().push(attempt);
                        }
                    }
                });
            }
        });
        assert_eq!(admitted.into_inner(), 100, "none judged yet, and still no more than the budget");
        held.into_inner().unwrap().into_iter().for_each(Attempt::failed);
        assert!(limiter.begin_unknown_attempt(ip("203.0.113.9")).is_err());
    }

    #[test]
    fn a_block_ends_when_the_failures_leave_the_window() {
        let limiter = FailureLimiter::new(FailureLimits { per_key: 1, per_ip: 0, window: Duration::from_millis(100) });
        limiter.begin_key_attempt(lookup(1), None).unwrap().failed();
        assert!(limiter.begin_key_attempt(lookup(1), None).is_err());
        assert!(limiter.retry_after(lookup(1), None).is_some());
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(limiter.retry_after(lookup(1), None), None);
        assert!(limiter.begin_key_attempt(lookup(1), None).is_ok());
    }
}
