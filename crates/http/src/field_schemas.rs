//! Schemas for request fields whose rules a plain `String` cannot state,
//! so the document admits what the server parses: IP addresses and CIDR
//! ranges (`std::net`/`ipnet` syntax) and the closed vocabularies.

use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// One IPv4 octet without leading zeros, as `std::net` reads it.
const OCTET: &str = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

fn ipv4() -> String {
    format!(r"({OCTET}\.){{3}}{OCTET}")
}

/// IPv6 in its usual spellings: eight groups, `::` compression, and an
/// IPv4 tail after `::` or `::ffff:`.
fn ipv6() -> String {
    let h = "[0-9A-Fa-f]{1,4}";
    let v4 = ipv4();
    [
        format!("({h}:){{7}}{h}"),
        format!("({h}:){{1,7}}:"),
        format!("({h}:){{1,6}}:{h}"),
        format!("({h}:){{1,5}}(:{h}){{1,2}}"),
        format!("({h}:){{1,4}}(:{h}){{1,3}}"),
        format!("({h}:){{1,3}}(:{h}){{1,4}}"),
        format!("({h}:){{1,2}}(:{h}){{1,5}}"),
        format!("{h}:(:{h}){{1,6}}"),
        format!(":((:{h}){{1,7}}|:)"),
        format!("::([Ff]{{4}}(:0{{1,4}})?:)?{v4}"),
        format!("({h}:){{1,4}}:{v4}"),
    ]
    .map(|alternative| format!("({alternative})"))
    .join("|")
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn ip_format(format: &str) -> ObjectBuilder {
    string().format(Some(SchemaFormat::Custom(format.to_owned())))
}

/// An IPv4 or IPv6 address (`203.0.113.7`, `2001:db8::1`).
pub struct IpAddress;

impl PartialSchema for IpAddress {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(ip_format("ipv4"))
            .item(ip_format("ipv6"))
            .description(Some("An IPv4 or IPv6 address."))
            .into()
    }
}

impl ToSchema for IpAddress {}

/// An address, or a CIDR range (`10.0.0.0/8`, `2001:db8::/32`; host bits
/// are dropped).
pub struct IpAllowListEntry;

impl PartialSchema for IpAllowListEntry {
    fn schema() -> RefOr<Schema> {
        let v4_cidr = format!(r"^{}/(3[0-2]|[12]?[0-9])$", ipv4());
        let v6_cidr = format!(r"^({})/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$", ipv6());
        AnyOfBuilder::new()
            .item(ip_format("ipv4"))
            .item(ip_format("ipv6"))
            .item(string().pattern(Some(v4_cidr)))
            .item(string().pattern(Some(v6_cidr)))
            .description(Some("An IPv4 or IPv6 address, or a CIDR range (`10.0.0.0/8`, `2001:db8::/32`)."))
            .into()
    }
}

impl ToSchema for IpAllowListEntry {}

/// A time as `sesame_domain::parse_instant` reads it: `2025-06-29 16:03:44`
/// (UTC) or RFC 3339 with an offset. Which months have a 31st, JSON Schema
/// cannot say.
const TIMESTAMP: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(( ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])|([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])))$";

/// A time a client writes: `2025-06-29 16:03:44` (UTC) or RFC 3339.
pub struct Timestamp;

impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        string()
            .pattern(Some(TIMESTAMP))
            .description(Some("`2025-06-29 16:03:44` (UTC) or RFC 3339 with an offset."))
            .examples([serde_json::json!("2030-06-29 16:03:44")])
            .into()
    }
}

impl ToSchema for Timestamp {}

/// A key's environment.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Only its schema is used: the field is read as text.
pub enum EnvironmentName {
    Live,
    Test,
}

/// A key's kind.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum KindName {
    Secret,
    Publishable,
}

/// A key's status.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum StatusName {
    Active,
    Expired,
    Revoked,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(pattern: &str) -> regex::Regex {
        regex::Regex::new(&format!("^({pattern})$")).unwrap()
    }

    #[test]
    fn every_address_the_ipv6_pattern_admits_is_one_the_server_parses() {
        let v6 = full(&ipv6());
        for text in
            ["::", "::1", "2001:db8::", "fe80::1:2", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "64:ff9b::192.0.2.1"]
        {
            assert!(v6.is_match(text), "{text}");
            assert!(text.parse::<std::net::Ipv6Addr>().is_ok(), "{text}");
        }
        for text in [":", "1:2:3:4:5:6:7:8:9", "12345::", "::g", "1.2.3.4"] {
            assert!(!v6.is_match(text), "{text}");
        }
    }

    #[test]
    fn times_the_timestamp_pattern_admits_are_read_by_the_domain() {
        let pattern = regex::Regex::new(TIMESTAMP).unwrap();
        for text in
            ["2030-06-29 16:03:44", "2030-06-29T16:03:44Z", "2030-06-29t16:03:44.5+02:00", "2030-01-31 23:59:59"]
        {
            assert!(pattern.is_match(text), "{text}");
            assert!(sesame_domain::parse_instant(text).is_ok(), "{text}");
        }
        for text in ["", "2030-06-29", "2030-13-01 00:00:00", "2030-06-29 23:59:60", "2030-06-29T16:03:44"] {
            assert!(!pattern.is_match(text), "{text}");
        }
    }

    #[test]
    fn the_ipv4_pattern_admits_no_leading_zero_nor_octet_over_255() {
        let v4 = full(&ipv4());
        assert!(v4.is_match("192.0.2.255"));
        for text in ["192.0.2.256", "01.2.3.4", "1.2.3"] {
            assert!(!v4.is_match(text), "{text}");
        }
    }

    #[test]
    fn ranges_the_patterns_admit_are_ranges_the_allow_list_accepts() {
        for entry in ["10.0.0.1/8", "0.0.0.0/0", "2001:db8::/32", "::/0", "::ffff:10.0.0.0/104"] {
            assert!(sesame_domain::IpAllowList::parse([entry]).is_ok(), "{entry}");
        }
    }
}
