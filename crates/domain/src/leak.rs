//! Leak reports: tokens a secret-scanning partner (GitHub) found published,
//! and what Sesame answers about each.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// One token a partner found, as it reported it. The token is a secret: its
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct ReportedToken {
    /// The token as found, echoed back as `token_raw`.
    pub token: String,
    /// The partner's name for the pattern that matched (`token_type`).
    pub token_type: String,
    /// Where it was found: a URL of the commit, issue or gist.
    pub url: String,
    /// What kind of place (`content`, `commit`, `pull_request`, …).
    pub source: String,
}

impl fmt::Debug for ReportedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportedToken")
            .field("token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("url", &self.url)
            .field("source", &self.source)
            .finish()
    }
}

/// Whether a reported token is one Sesame issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakLabel {
    /// A token of a key Sesame stores, with its secret.
    TruePositive,
    /// Not Sesame's: wrong shape or checksum, unknown lookup id, wrong secret.
    FalsePositive,
}

impl LeakLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            LeakLabel::TruePositive => "true_positive",
            LeakLabel::FalsePositive => "false_positive",
        }
    }
}

/// What happens to a live key a partner reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnLeak {
    /// Revoke it at once (secret keys; a publishable key is only flagged).
    #[default]
    Revoke,
    /// Only record the leak (`leaked_at`, an audit event); it keeps working.
    Flag,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be `revoke` or `flag`")]
pub struct ParseOnLeakError;

impl FromStr for OnLeak {
    type Err = ParseOnLeakError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "revoke" => Ok(OnLeak::Revoke),
            "flag" => Ok(OnLeak::Flag),
            _ => Err(ParseOnLeakError),
        }
    }
}

impl OnLeak {
    pub fn as_str(self) -> &'static str {
        match self {
            OnLeak::Revoke => "revoke",
            OnLeak::Flag => "flag",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_token_never_prints_its_token() {
        let report = ReportedToken {
            token: "sk_live_secret".into(),
            token_type: "sesame_api_key".into(),
            url: "https://github.com/o/r/blob/x".into(),
            source: "content".into(),
        };
        let debug = format!("{report:?}");
        assert!(!debug.contains("sk_live_secret"));
        assert!(debug.contains("https://github.com/o/r/blob/x"));
    }

    #[test]
    fn on_leak_reads_its_two_words() {
        assert_eq!("revoke".parse(), Ok(OnLeak::Revoke));
        assert_eq!("flag".parse(), Ok(OnLeak::Flag));
        assert_eq!("ignore".parse::<OnLeak>(), Err(ParseOnLeakError));
        assert_eq!(OnLeak::default(), OnLeak::Revoke);
    }
}
