//! Times on the wire. Sesame writes them as its native API documents them,
//! `2025-06-29 16:03:44` (UTC); the other dialects write RFC 3339. Reading
//! them (either form) is the domain's `parse_instant`, so every dialect
//! accepts the same.

use chrono::{DateTime, SecondsFormat, Utc};
use sesame_domain::WIRE_FORMAT;

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
