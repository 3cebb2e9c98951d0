use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use metrics::{counter, Counter};
use sesame_domain::ports::{CreditLedger, RateLimitStore, SubjectLimit};
use sesame_domain::{Credential, Credits, LimitState, LimitSubject, RefillDue, SpendOutcome, VerificationCode};

use super::MemoryRateLimitStore;
use crate::Unexpected;

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
