use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use metrics::{counter, Counter};
use sesame_domain::ports::{CreditLedger, RateLimitStore, SubjectLimit};
use sesame_domain::{Credential, Credits, LimitState, LimitSubject, RefillDue, SpendOutcome, VerificationCode};

use super::MemoryRateLimitStore;
use crate::Unexpected;

/// Put before the name of a service account's limit in a report.
pub const ACCOUNT_PREFIX: &str = "account:";

/// The largest cost one request may name.
pub const MAX_COST: u64 = 1_000_000_000_000_000;

/// Requests refused by a usage limit, by `code` (`RATE_LIMITED`, `USAGE_EXCEEDED`).
pub const USAGE_LIMITED: &str = "sesame_usage_limited_total";

/// Where a key's limits stand after a request: every rate limit checked
/// (the key's, then its service account's) and the credits left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageReport {
    pub rate_limits: Vec<LimitState>,
    /// The key's credits left, or its service account's when the key has none.
    pub credits: Option<u64>,
}

/// A request refused by a limit: nothing was spent on its behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRejection {
    /// `RateLimited` or `UsageExceeded`.
    pub code: VerificationCode,
    pub report: UsageReport,
    /// When a retry can succeed: the end of the exceeded window, or the next
    /// refill; `None` for credits that never refill.
    pub retry_after: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("over a usage limit")]
    Rejected(Box<UsageRejection>),
    #[error("the usage limits could not be checked")]
    Unexpected(#[source] Unexpected),
}

/// No credit ledger was wired, yet a key carries credits: refuse, never open.
#[derive(Debug, thiserror::Error)]
#[error("a key carries credits but no credit ledger is configured")]
struct NoLedger;

/// Spends a request's cost against the rate limits and credits of a key and
/// of its service account.
#[derive(Clone)]
pub struct UsageLimiter {
    rates: Arc<dyn RateLimitStore>,
    credits: Option<Arc<dyn CreditLedger>>,
    rate_limited: Counter,
    usage_exceeded: Counter,
}

impl Default for UsageLimiter {
    /// Memory rate limits and no credit ledger (a key with credits is refused).
    fn default() -> Self {
        Self::new(Arc::new(MemoryRateLimitStore::new()), None)
    }
}

fn due(credits: &Credits, now: DateTime<Utc>) -> Option<RefillDue> {
    credits.refill.as_ref().map(|r| RefillDue::at(r, now))
}

fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (at - now).to_std().unwrap_or_default()
}

impl UsageLimiter {
    pub fn new(rates: Arc<dyn RateLimitStore>, credits: Option<Arc<dyn CreditLedger>>) -> Self {
        Self {
            rates,
            credits,
            rate_limited: counter!(USAGE_LIMITED, "code" => VerificationCode::RateLimited.as_str()),
            usage_exceeded: counter!(USAGE_LIMITED, "code" => VerificationCode::UsageExceeded.as_str()),
        }
    }

    /// Whether `credential`'s key (or its service account) carries any
    /// limit: the one branch a key without limits pays.
    pub fn applies_to(credential: &Credential) -> bool {
        !credential.key.limits.is_empty()
            || (credential.key.service_account_id.is_some() && !credential.account_limits.is_empty())
    }

    /// Spends `cost` for a request of the key `credential` holds, at `now`:
    /// first the rate limits (all or none), then the service account's
    /// credits, then the key's (the account's are given back if the key's
    /// do not cover the cost). `None` for a key without any limit: nothing
    /// was looked up.
    ///
    /// # Errors
    /// `Rejected` with the first limit that had no room; `Unexpected` when a
    /// store failed (never answered as a pass).
    pub async fn admit(
        &self,
        credential: &Credential,
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<Option<UsageReport>, LimitError> {
        let key = &credential.key;
        let account = key.service_account_id.filter(|_| !credential.account_limits.is_empty());
        if key.limits.is_empty() && account.is_none() {
            return Ok(None);
        }
        let mut report = UsageReport::default();
        let mut limits: Vec<SubjectLimit> = key
            .limits
            .rate_limits
            .iter()
            .map(|l| SubjectLimit { subject: LimitSubject::ApiKey(key.id), limit: l.clone() })
            .collect();
        if let Some(account) = account {
            limits.extend(
                credential
                    .account_limits
                    .rate_limits
                    .iter()
                    .map(|l| SubjectLimit { subject: LimitSubject::ServiceAccount(account), limit: l.clone() }),
            );
        }
        if !limits.is_empty() {
            let check = self.rates.check(&limits, cost, now).await.map_err(|e| LimitError::Unexpected(Box::new(e)))?;
            report.rate_limits = check.states;
            // An account's limit may share a name with the key's own: its
            // state is named `account:<name>` (`:` is in no limit's name).
            let own = key.limits.rate_limits.as_slice().len();
            for state in report.rate_limits.iter_mut().skip(own) {
                state.name = format!("{ACCOUNT_PREFIX}{}", state.name);
            }
            if let Some(i) = check.exceeded {
                self.rate_limited.increment(1);
                let retry_after = Some(until(report.rate_limits[i].reset_at, now));
                return Err(self.reject(VerificationCode::RateLimited, report, retry_after));
            }
        }
        let account_credits = account.zip(credential.account_limits.credits);
        let key_credits = key.limits.credits;
        if account_credits.is_none() && key_credits.is_none() {
            return Ok(Some(report));
        }
        let ledger = self.credits.as_ref().ok_or_else(|| LimitError::Unexpected(Box::new(NoLedger)))?;
        let unexpected = |e: sesame_domain::ports::RepositoryError| LimitError::Unexpected(Box::new(e));
        let mut taken_from_account = None;
        if let Some((account, credits)) = account_credits {
            let subject = LimitSubject::ServiceAccount(account);
            match ledger.spend(subject, cost, due(&credits, now)).await.map_err(unexpected)? {
                Some(SpendOutcome::Spent { remaining }) => {
                    report.credits = Some(remaining);
                    taken_from_account = Some(subject);
                }
                Some(SpendOutcome::Insufficient { remaining }) => {
                    report.credits = Some(remaining);
                    let retry_after = credits.refill.map(|r| until(r.next_boundary(now), now));
                    self.usage_exceeded.increment(1);
                    return Err(self.reject(VerificationCode::UsageExceeded, report, retry_after));
                }
                None => {}
            }
        }
        if let Some(credits) = key_credits {
            match ledger.spend(LimitSubject::ApiKey(key.id), cost, due(&credits, now)).await.map_err(unexpected)? {
                Some(SpendOutcome::Spent { remaining }) => report.credits = Some(remaining),
                Some(SpendOutcome::Insufficient { remaining }) => {
                    if let Some(subject) = taken_from_account {
                        ledger.give_back(subject, cost).await.map_err(unexpected)?;
                    }
                    report.credits = Some(remaining);
                    let retry_after = credits.refill.map(|r| until(r.next_boundary(now), now));
                    self.usage_exceeded.increment(1);
                    return Err(self.reject(VerificationCode::UsageExceeded, report, retry_after));
                }
                None => {}
            }
        }
        Ok(Some(report))
    }

    fn reject(&self, code: VerificationCode, report: UsageReport, retry_after: Option<Duration>) -> LimitError {
        LimitError::Rejected(Box::new(UsageRejection { code, report, retry_after }))
    }
}

/// `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers):
/// `"name";q=limit;w=window` and `"name";r=remaining;t=seconds-to-reset`,
/// one list member per limit.
pub fn ratelimit_fields(states: &[LimitState], now: DateTime<Utc>) -> (String, String) {
    let quoted = |name: &str| format!("\"{}\"", name.replace(['"', '\\'], ""));
    let policy: Vec<String> =
        states.iter().map(|s| format!("{};q={};w={}", quoted(&s.name), s.limit, s.window_seconds)).collect();
    let state: Vec<String> = states
        .iter()
        .map(|s| {
            let t = (s.reset_at - now).num_milliseconds().max(0);
            format!("{};r={};t={}", quoted(&s.name), s.remaining, (t + 999) / 1000)
        })
        .collect();
    (policy.join(", "), state.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use chrono::TimeZone;
    use sesame_domain::ports::{MockCreditLedger, RepositoryError};
    use sesame_domain::{CreditBalance, RateLimit, RateLimits, Refill, ServiceAccountId, UsageLimits};
    use std::collections::HashMap;
    use std::sync::Mutex;

    fn limits(list: &[(&str, i64, i64)]) -> RateLimits {
        RateLimits::new(list.iter().map(|(n, l, d)| RateLimit::parse(n, *l, *d).unwrap()).collect()).unwrap()
    }

    fn key_with(rate_limits: RateLimits, credits: Option<Credits>) -> Credential {
        let mut key = active_key();
        key.limits = UsageLimits { rate_limits, credits };
        credential(key)
    }

    /// A ledger keeping balances in memory by the rule every real one applies
    /// (`CreditBalance::spend`), behind the mock so calls can be counted.
    fn ledger(balances: Vec<(LimitSubject, u64)>) -> MockCreditLedger {
        let start = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
        let store: Arc<Mutex<HashMap<LimitSubject, CreditBalance>>> = Arc::new(Mutex::new(
            balances.into_iter().map(|(s, n)| (s, CreditBalance { remaining: n, refilled_at: start })).collect(),
        ));
        let mut ledger = MockCreditLedger::new();
        let spends = store.clone();
        ledger.expect_spend().returning(move |subject, cost, due| {
            let mut map = spends.lock().unwrap();
            let Some(balance) = map.get(&subject).copied() else { return Ok(None) };
            let (after, outcome) = balance.spend(cost, due);
            map.insert(subject, after);
            Ok::<_, RepositoryError>(Some(outcome))
        });
        let gives = store;
        ledger.expect_give_back().returning(move |subject, amount| {
            if let Some(b) = gives.lock().unwrap().get_mut(&subject) {
                b.remaining += amount;
            }
            Ok(())
        });
        ledger
    }

    fn limiter(ledger: MockCreditLedger) -> UsageLimiter {
        UsageLimiter::new(Arc::new(MemoryRateLimitStore::new()), Some(Arc::new(ledger)))
    }

    async fn code(limiter: &UsageLimiter, credential: &Credential, cost: u64, at: DateTime<Utc>) -> VerificationCode {
        match limiter.admit(credential, cost, at).await {
            Ok(_) => VerificationCode::Valid,
            Err(LimitError::Rejected(r)) => r.code,
            Err(LimitError::Unexpected(e)) => panic!("unexpected: {e}"),
        }
    }

    #[tokio::test]
    async fn a_key_without_limits_touches_no_store() {
        let mut rates = sesame_domain::ports::MockRateLimitStore::new();
        rates.expect_check().never();
        let mut ledger = MockCreditLedger::new();
        ledger.expect_spend().never();
        let limiter = UsageLimiter::new(Arc::new(rates), Some(Arc::new(ledger)));
        assert_eq!(limiter.admit(&credential(active_key()), 1, now()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_reached_limit_refuses_with_its_reset_and_the_window_reset_serves_again() {
        let limiter = limiter(ledger(vec![]));
        let key = key_with(limits(&[("default", 2, 10)]), None);
        for _ in 0..2 {
            assert_eq!(code(&limiter, &key, 1, now()).await, VerificationCode::Valid);
        }
        let Err(LimitError::Rejected(refused)) = limiter.admit(&key, 1, now() + chrono::Duration::seconds(4)).await
        else {
            panic!("the third use is refused")
        };
        assert_eq!(refused.code, VerificationCode::RateLimited);
        assert_eq!(refused.retry_after, Some(Duration::from_secs(6)));
        assert_eq!(refused.report.rate_limits[0].remaining, 0);
        assert_eq!(code(&limiter, &key, 1, now() + chrono::Duration::seconds(10)).await, VerificationCode::Valid);
    }

    #[tokio::test]
    async fn of_several_limits_the_first_exceeded_is_reported_and_none_is_charged() {
        let limiter = limiter(ledger(vec![]));
        let key = key_with(limits(&[("minute", 5, 60), ("second", 1, 1), ("hour", 1, 3600)]), None);
        assert_eq!(code(&limiter, &key, 1, now()).await, VerificationCode::Valid);
        let Err(LimitError::Rejected(refused)) = limiter.admit(&key, 1, now()).await else { panic!("refused") };
        assert_eq!(refused.retry_after, Some(Duration::from_secs(1)), "the `second` limit, first exceeded, says when");
        assert_eq!(refused.report.rate_limits[0].remaining, 4, "`minute` was not charged for the refused use");
    }

    #[tokio::test]
    async fn credits_run_out_and_a_cost_above_what_is_left_takes_nothing() {
        let key = key_with(RateLimits::default(), Some(Credits { remaining: 3, refill: None }));
        let limiter = limiter(ledger(vec![(LimitSubject::ApiKey(key.key.id), 3)]));
        assert_eq!(code(&limiter, &key, 2, now()).await, VerificationCode::Valid);
        let Err(LimitError::Rejected(refused)) = limiter.admit(&key, 2, now()).await else { panic!("refused") };
        assert_eq!(
            (refused.code, refused.report.credits, refused.retry_after),
            (VerificationCode::UsageExceeded, Some(1), None)
        );
        let left = limiter.admit(&key, 1, now()).await.unwrap().unwrap();
        assert_eq!(left.credits, Some(0), "the refused cost of 2 took nothing");
        assert_eq!(code(&limiter, &key, 1, now()).await, VerificationCode::UsageExceeded);
    }

    #[tokio::test]
    async fn credits_refill_exactly_at_the_boundary_and_not_before() {
        let refill = Refill::parse(5, "daily", None).unwrap();
        let key = key_with(RateLimits::default(), Some(Credits { remaining: 1, refill: Some(refill) }));
        let limiter = limiter(ledger(vec![(LimitSubject::ApiKey(key.key.id), 1)]));
        let day = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        // The stored balance was last refilled in 2000: the first use refills.
        assert_eq!(limiter.admit(&key, 5, day).await.unwrap().unwrap().credits, Some(0));
        let before = day + chrono::Duration::days(1) - chrono::Duration::seconds(1);
        let Err(LimitError::Rejected(refused)) = limiter.admit(&key, 1, before).await else { panic!("empty") };
        assert_eq!(refused.retry_after, Some(Duration::from_secs(1)), "refills in one second");
        let at = day + chrono::Duration::days(1);
        assert_eq!(limiter.admit(&key, 1, at).await.unwrap().unwrap().credits, Some(4));
        let days_later = at + chrono::Duration::days(3);
        assert_eq!(limiter.admit(&key, 1, days_later).await.unwrap().unwrap().credits, Some(4), "no carry-over");
    }

    #[tokio::test]
    async fn a_service_accounts_limit_is_shared_by_two_of_its_keys() {
        let account = ServiceAccountId::generate();
        let shared = UsageLimits { rate_limits: limits(&[("shared", 3, 60)]), credits: None };
        let keys: Vec<Credential> = (0..2)
            .map(|_| {
                let mut c = credential(active_key());
                c.key.service_account_id = Some(account);
                c.account_limits = shared.clone();
                c
            })
            .collect();
        let limiter = limiter(ledger(vec![]));
        let mut codes = Vec::new();
        for c in [&keys[0], &keys[1], &keys[0], &keys[1]] {
            codes.push(code(&limiter, c, 1, now()).await);
        }
        assert_eq!(
            codes,
            [VerificationCode::Valid, VerificationCode::Valid, VerificationCode::Valid, VerificationCode::RateLimited]
        );
        let Err(LimitError::Rejected(refused)) = limiter.admit(&keys[0], 1, now()).await else { panic!("refused") };
        assert_eq!(refused.report.rate_limits[0].name, "account:shared", "apart from any limit of the key's own");
    }

    #[tokio::test]
    async fn account_credits_taken_for_a_key_short_of_its_own_are_given_back() {
        let account = ServiceAccountId::generate();
        let mut key = key_with(RateLimits::default(), Some(Credits { remaining: 0, refill: None }));
        key.key.service_account_id = Some(account);
        key.account_limits =
            UsageLimits { rate_limits: RateLimits::default(), credits: Some(Credits { remaining: 10, refill: None }) };
        let limiter =
            limiter(ledger(vec![(LimitSubject::ServiceAccount(account), 10), (LimitSubject::ApiKey(key.key.id), 0)]));
        assert_eq!(code(&limiter, &key, 4, now()).await, VerificationCode::UsageExceeded);
        let mut other = credential(active_key());
        other.key.service_account_id = Some(account);
        other.account_limits = key.account_limits.clone();
        let report = limiter.admit(&other, 1, now()).await.unwrap().unwrap();
        assert_eq!(report.credits, Some(9), "the 4 taken for the refused key came back");
    }

    #[tokio::test]
    async fn a_key_with_credits_and_no_ledger_is_refused_never_admitted() {
        let key = key_with(RateLimits::default(), Some(Credits { remaining: 3, refill: None }));
        let err = UsageLimiter::default().admit(&key, 1, now()).await.unwrap_err();
        assert!(matches!(err, LimitError::Unexpected(_)));
    }
}
