use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExpiresAtError {
    #[error("must be in the future")]
    NotInFuture,
    #[error("must be a date-time like `2025-06-29 16:03:44` (UTC) or RFC 3339")]
    Unreadable,
    /// chrono reads `23:59:60` as a second of its own, which PostgreSQL and
    /// SQLite would store differently.
    #[error("must not be a leap second (`:60`)")]
    LeapSecond,
    #[error("must be before the year 10000 (UTC)")]
    TooLate,
    /// The native form reads a negative year (`-1-05-15 …`), which neither
    /// form can write back in four digits.
    #[error("must not be before the year 0000 (UTC)")]
    TooEarly,
}

/// The native API's form of a time, `2025-06-29 16:03:44`, read as UTC.
pub const WIRE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Reads `2025-06-29 16:03:44` as UTC, or an RFC 3339 time with its offset:
/// every dialect accepts both, under one rule for every backend. Times are
/// kept to the second (a fraction is dropped, as every dialect writes whole
/// seconds), in UTC years up to 9999 (the four digits both forms write), and
/// a leap second is refused rather than stored differently by each database.
///
/// # Errors
/// `Unreadable`, `LeapSecond`, `TooLate` or `TooEarly`.
pub fn parse_instant(raw: &str) -> Result<DateTime<Utc>, ExpiresAtError> {
    let raw = raw.trim();
    let at = NaiveDateTime::parse_from_str(raw, WIRE_FORMAT)
        .map(|naive| naive.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)))
        .map_err(|_| ExpiresAtError::Unreadable)?;
    if at.nanosecond() >= 1_000_000_000 {
        return Err(ExpiresAtError::LeapSecond);
    }
    if at.year() > 9999 {
        return Err(ExpiresAtError::TooLate);
    }
    if at.year() < 0 {
        return Err(ExpiresAtError::TooEarly);
    }
    Ok(at.with_nanosecond(0).unwrap_or(at))
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

    /// A time as a client wrote it (see [`parse_instant`]), in the future.
    pub fn parse_text(raw: &str, now: DateTime<Utc>) -> Result<Self, ExpiresAtError> {
        Self::parse(parse_instant(raw)?, now)
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
    fn both_accepted_forms_parse_to_the_same_instant() {
        let native = parse_instant("2025-06-29 16:03:44").unwrap();
        assert_eq!(parse_instant("2025-06-29T18:03:44+02:00"), Ok(native));
        assert_eq!(native.format(WIRE_FORMAT).to_string(), "2025-06-29 16:03:44");
    }

    #[test]
    fn other_shapes_are_unreadable() {
        assert_eq!(parse_instant("29/06/2025"), Err(ExpiresAtError::Unreadable));
        assert_eq!(ExpiresAt::parse_text("2025-06-29", now()), Err(ExpiresAtError::Unreadable));
    }

    #[test]
    fn a_leap_second_is_refused_in_either_form() {
        assert_eq!(parse_instant("2030-06-30 23:59:60"), Err(ExpiresAtError::LeapSecond));
        assert_eq!(parse_instant("2030-06-30T23:59:60Z"), Err(ExpiresAtError::LeapSecond));
    }

    #[test]
    fn a_time_past_the_year_9999_in_utc_is_refused_in_either_form() {
        assert_eq!(parse_instant("+10000-01-01 00:00:00"), Err(ExpiresAtError::TooLate));
        assert_eq!(parse_instant("9999-12-31T23:59:59-23:59"), Err(ExpiresAtError::TooLate));
        assert!(parse_instant("9999-12-31T23:59:59Z").is_ok());
    }

    /// Found by the `timestamp` fuzz target: the native form read year -1,
    /// which no dialect can write back in four digits or RFC 3339.
    #[test]
    fn a_time_before_the_year_0000_is_refused() {
        assert_eq!(parse_instant("-1-05-15 5:5:5"), Err(ExpiresAtError::TooEarly));
        assert_eq!(parse_instant("-0001-05-15 05:05:05"), Err(ExpiresAtError::TooEarly));
        assert!(parse_instant("0000-01-01T00:00:00Z").is_ok());
    }

    #[test]
    fn a_fraction_of_a_second_is_dropped() {
        assert_eq!(parse_instant("2030-01-01T00:00:00.999999999Z"), parse_instant("2030-01-01 00:00:00"));
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
