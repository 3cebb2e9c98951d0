//! Times on the wire. Sesame writes them as its native API documents them,
//! `2025-06-29 16:03:44` (UTC); reading them (that form or RFC 3339) is the
//! domain's `parse_instant`, so every dialect accepts the same.

use chrono::{DateTime, Utc};
use sesame_domain::WIRE_FORMAT;

pub fn format(at: DateTime<Utc>) -> String {
    at.format(WIRE_FORMAT).to_string()
}

pub fn format_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(format)
}
