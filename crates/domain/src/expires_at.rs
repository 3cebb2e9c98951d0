use chrono::{DateTime, Utc};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExpiresAtError {
    #[error("must be in the future")]
    NotInFuture,
}

/// When a key stops working. Accepted only if it lies in the future at the
/// moment the key is created or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExpiresAt(DateTime<Utc>);

impl ExpiresAt {
    pub fn parse(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Self, ExpiresAtError> {
        if at <= now {
            return Err(ExpiresAtError::NotInFuture);
        }
        Ok(Self(at))
    }

    /// Rebuilds a stored value, which may lie in the past by now.
    pub fn from_stored(at: DateTime<Utc>) -> Self {
        Self(at)
    }

    pub fn at(&self) -> DateTime<Utc> {
        self.0
    }

    pub fn has_passed(&self, now: DateTime<Utc>) -> bool {
        self.0 <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_time_in_the_past_is_rejected() {
        let now = now();
        assert_eq!(ExpiresAt::parse(now - Duration::seconds(1), now), Err(ExpiresAtError::NotInFuture));
    }

    #[test]
    fn a_future_time_passes_once_the_clock_reaches_it() {
        let now = now();
        let expires = ExpiresAt::parse(now + Duration::seconds(10), now).unwrap();
        assert!(!expires.has_passed(now));
        assert!(expires.has_passed(now + Duration::seconds(10)));
    }
}
