//! Times on the wire. Sesame writes them as its native API documents them,
//! `2025-06-29 16:03:44` (UTC), and reads that form or RFC 3339; the other
//! dialects write RFC 3339.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

const WIRE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// What a bad time value is told.
const EXPECTED: &str = "must be a date-time like `2025-06-29 16:03:44` (UTC) or RFC 3339";

pub fn format(at: DateTime<Utc>) -> String {
    at.format(WIRE_FORMAT).to_string()
}

pub fn format_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(format)
}

/// RFC 3339 to the second, in UTC (`2025-06-29T16:03:44Z`).
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn rfc3339_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(rfc3339)
}

/// Parses `2025-06-29 16:03:44` as UTC, or an RFC 3339 time with its offset.
pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, WIRE_FORMAT)
        .map(|naive| naive.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)))
        .ok()
}

/// As [`parse`], with the message a client gets for an unreadable value.
pub fn parse_input(raw: &str) -> Result<DateTime<Utc>, String> {
    parse(raw).ok_or_else(|| EXPECTED.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_accepted_forms_parse_to_the_same_instant() {
        let mysql = parse("2025-06-29 16:03:44").unwrap();
        let rfc = parse("2025-06-29T18:03:44+02:00").unwrap();
        assert_eq!(mysql, rfc);
        assert_eq!(format(mysql), "2025-06-29 16:03:44");
    }

    #[test]
    fn other_shapes_are_rejected() {
        assert!(parse("29/06/2025").is_none());
        assert!(parse("2025-06-29").is_none());
    }
}
