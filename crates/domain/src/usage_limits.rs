use chrono::{DateTime, Utc};

use crate::{ApiKeyId, Credits, RateLimits, ServiceAccountId};

/// How much a key (or a service account, for all its keys together) may be
/// used: named rate limits and credits. Empty: unlimited, and free.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageLimits {
    pub rate_limits: RateLimits,
    /// `remaining` is as last read; the stored balance is the truth.
    pub credits: Option<Credits>,
}

impl UsageLimits {
    pub fn is_empty(&self) -> bool {
        self.rate_limits.is_empty() && self.credits.is_none()
    }
}

/// Who carries a set of limits or credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitSubject {
    ApiKey(ApiKeyId),
    ServiceAccount(ServiceAccountId),
}

impl std::fmt::Display for LimitSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitSubject::ApiKey(id) => write!(f, "{id}"),
            LimitSubject::ServiceAccount(id) => write!(f, "{id}"),
        }
    }
}

/// Where one named limit stands after a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitState {
    pub name: String,
    pub limit: u64,
    pub remaining: u64,
    /// When the current window ends and the budget is whole again.
    pub reset_at: DateTime<Utc>,
    /// Seconds of the limit's window, for the `RateLimit-Policy` field.
    pub window_seconds: u64,
}
