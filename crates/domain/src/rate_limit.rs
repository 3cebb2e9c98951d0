use std::time::Duration;

use thiserror::Error;

/// The most named limits one key or service account may carry.
pub const MAX_RATE_LIMITS: usize = 10;
/// The shortest window a limit may have.
pub const MIN_RATE_LIMIT_DURATION: Duration = Duration::from_secs(1);
/// The longest window a limit may have: 30 days.
pub const MAX_RATE_LIMIT_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// What is wrong with one limit, by the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RateLimitError {
    #[error("must be 1 to 64 characters of letters, digits, `_`, `-` or `.`")]
    Name,
    #[error("must be a positive whole number")]
    Limit,
    #[error("must be between 1 s and 30 days (2592000 s)")]
    Duration,
    #[error("`{0}` is named twice")]
    Duplicate(String),
    #[error("at most {MAX_RATE_LIMITS} limits")]
    TooMany,
}

impl RateLimitError {
    /// The field of one limit this error is about, as the API names it.
    pub fn field(&self) -> &'static str {
        match self {
            RateLimitError::Name | RateLimitError::Duplicate(_) => "name",
            RateLimitError::Limit => "limit",
            RateLimitError::Duration => "duration_seconds",
            RateLimitError::TooMany => "",
        }
    }
}

/// A named budget of uses per window: at most `limit` units of cost in any
/// window of `duration`, the window starting at the first use after the
/// previous one ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    name: String,
    limit: u64,
    duration: Duration,
}

impl RateLimit {
    /// # Errors
    /// The first of name, limit and duration that breaks the rules.
    pub fn parse(name: &str, limit: i64, duration_seconds: i64) -> Result<Self, RateLimitError> {
        // Judged as sent, as the document's pattern judges it.
        let name_ok = (1..=64).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !name_ok {
            return Err(RateLimitError::Name);
        }
        let limit = u64::try_from(limit).ok().filter(|l| *l > 0).ok_or(RateLimitError::Limit)?;
        let duration = u64::try_from(duration_seconds)
            .ok()
            .map(Duration::from_secs)
            .filter(|d| (MIN_RATE_LIMIT_DURATION..=MAX_RATE_LIMIT_DURATION).contains(d))
            .ok_or(RateLimitError::Duration)?;
        Ok(Self { name: name.to_owned(), limit, duration })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn duration(&self) -> Duration {
        self.duration
    }
}

/// The limits of one key or service account: distinct names, at most
/// [`MAX_RATE_LIMITS`], checked in the order given (the first exceeded is
/// the one reported).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits(Vec<RateLimit>);

impl RateLimits {
    /// # Errors
    /// The index of the first bad limit (`None` for the list itself) and
    /// what is wrong with it.
    pub fn new(limits: Vec<RateLimit>) -> Result<Self, (Option<usize>, RateLimitError)> {
        if limits.len() > MAX_RATE_LIMITS {
            return Err((None, RateLimitError::TooMany));
        }
        for (i, limit) in limits.iter().enumerate() {
            if limits[..i].iter().any(|l| l.name == limit.name) {
                return Err((Some(i), RateLimitError::Duplicate(limit.name.clone())));
            }
        }
        Ok(Self(limits))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, RateLimit> {
        self.0.iter()
    }

    pub fn as_slice(&self) -> &[RateLimit] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_of_zero_or_below_is_rejected_naming_limit() {
        assert_eq!(RateLimit::parse("default", 0, 60).unwrap_err().field(), "limit");
        assert_eq!(RateLimit::parse("default", -5, 60).unwrap_err().field(), "limit");
    }

    #[test]
    fn a_duration_under_one_second_or_over_thirty_days_is_rejected() {
        assert_eq!(RateLimit::parse("default", 1, 0).unwrap_err(), RateLimitError::Duration);
        assert_eq!(RateLimit::parse("default", 1, 30 * 24 * 3600 + 1).unwrap_err(), RateLimitError::Duration);
        assert!(RateLimit::parse("default", 1, 30 * 24 * 3600).is_ok());
        assert!(RateLimit::parse("default", 1, 1).is_ok());
    }

    #[test]
    fn a_blank_or_odd_name_is_rejected() {
        assert_eq!(RateLimit::parse(" ", 1, 1).unwrap_err(), RateLimitError::Name);
        assert_eq!(RateLimit::parse("a b", 1, 1).unwrap_err(), RateLimitError::Name);
    }

    #[test]
    fn two_limits_of_one_name_are_rejected_at_the_second() {
        let a = RateLimit::parse("a", 1, 1).unwrap();
        let err = RateLimits::new(vec![a.clone(), a]).unwrap_err();
        assert_eq!(err.0, Some(1));
    }
}
