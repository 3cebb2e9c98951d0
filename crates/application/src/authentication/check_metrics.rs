//! Counts of key checks by outcome. Each counter is registered once, so
//! counting on the hot path is one atomic add: no registry lookup, no lock.

use std::sync::Arc;

use metrics::{counter, Counter};
use sesame_domain::VerificationCode;

/// Every key check (the verify endpoints and every request authenticated
/// by a key), by `code`: a verification code, `RATE_LIMITED` or `ERROR`.
pub const KEY_CHECKS: &str = "sesame_key_checks_total";

#[derive(Clone)]
pub struct CheckMetrics {
    by_code: Arc<[Counter; VerificationCode::ALL.len()]>,
    rate_limited: Counter,
    failed: Counter,
}

impl CheckMetrics {
    /// Registers the counters with the installed recorder (none: no-ops).
    pub fn register() -> Self {
        Self {
            by_code: Arc::new(VerificationCode::ALL.map(|code| counter!(KEY_CHECKS, "code" => code.as_str()))),
            rate_limited: counter!(KEY_CHECKS, "code" => "RATE_LIMITED"),
            failed: counter!(KEY_CHECKS, "code" => "ERROR"),
        }
    }

    /// A check that reached a verdict.
    pub fn judged(&self, code: VerificationCode) {
        if let Some(i) = VerificationCode::ALL.iter().position(|c| *c == code) {
            self.by_code[i].increment(1);
        }
    }

    /// A check refused before any work: the failure budget was spent.
    pub fn rate_limited(&self) {
        self.rate_limited.increment(1);
    }

    /// A check that failed for a reason of the server's.
    pub fn failed(&self) {
        self.failed.increment(1);
    }
}
