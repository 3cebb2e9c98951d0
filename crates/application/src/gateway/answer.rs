//! The forward-auth answer, the same whichever protocol carries it (HTTP
//! for nginx, Traefik, Caddy and Envoy's HTTP mode; gRPC for Envoy's):
//! identity headers for the upstream on allow; on deny a status, the
//! RFC 6750 `WWW-Authenticate` challenge, `Retry-After` and a small JSON
//! body the gateway can hand to its client, saying no more than verify's
//! code does.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::json;
use sesame_domain::{ApiKey, VerificationCode};

use super::forward_auth::{Allowed, ForwardAuthError};
use crate::limits::ratelimit_fields;

pub const KEY_ID: &str = "x-sesame-key-id";
pub const ORGANIZATION_ID: &str = "x-sesame-organization-id";
pub const ENVIRONMENT: &str = "x-sesame-environment";
pub const SCOPES: &str = "x-sesame-scopes";
pub const SERVICE_ACCOUNT_ID: &str = "x-sesame-service-account-id";
pub const METADATA: &str = "x-sesame-metadata";

/// Every identity header, each always sent on allow (empty when it has no
/// value), so that a gateway that copies them over the request overwrites a
/// copy the end client sent.
pub const IDENTITY_HEADERS: [&str; 6] = [KEY_ID, ORGANIZATION_ID, ENVIRONMENT, SCOPES, SERVICE_ACCOUNT_ID, METADATA];

/// The most metadata sent in a header, in bytes: gateways keep an auth
/// response's headers in one small buffer (nginx's `proxy_buffer_size`,
/// 4 KiB by default). Larger metadata is sent as `{}`; read it with verify.
pub const MAX_METADATA_HEADER_BYTES: usize = 2048;

/// The identity headers' values for one key, in [`IDENTITY_HEADERS`]'s
/// order: ASCII, shared buffers, so that a transport copies none of them.
/// Derived from the key alone, so each cached key computes them once
/// ([`crate::authentication::VerifiedCredential::identity`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityHeaders {
    values: [Bytes; 6],
}

impl IdentityHeaders {
    pub fn of(key: &ApiKey) -> Self {
        let text = |value: String| Bytes::from(value.into_bytes());
        Self {
            values: [
                text(key.id.to_string()),
                text(key.organization_id.to_string()),
                Bytes::from_static(key.environment.as_str().as_bytes()),
                text(key.scopes.names().join(",")),
                key.service_account_id.map_or_else(Bytes::new, |id| text(id.to_string())),
                text(metadata_header(key.metadata.as_map())),
            ],
        }
    }

    /// Each value, in [`IDENTITY_HEADERS`]'s order.
    pub fn values(&self) -> &[Bytes; 6] {
        &self.values
    }

    /// Each header: its lower-case name and its value.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Bytes)> {
        IDENTITY_HEADERS.into_iter().zip(&self.values)
    }
}

/// The headers for the upstream of an allowed check.
pub fn identity_headers(allowed: &Allowed) -> &IdentityHeaders {
    allowed.verified.credential.identity()
}

/// Compact JSON with every non-ASCII character escaped (`\u00e9`), so that
/// the value is a valid header in any gateway; `{}` past the bound.
fn metadata_header(metadata: &serde_json::Map<String, serde_json::Value>) -> String {
    if metadata.is_empty() {
        return "{}".to_owned();
    }
    let text = serde_json::to_string(metadata).unwrap_or_else(|_| "{}".to_owned());
    if text.is_ascii() {
        return if text.len() > MAX_METADATA_HEADER_BYTES { "{}".to_owned() } else { text };
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    if out.len() > MAX_METADATA_HEADER_BYTES {
        return "{}".to_owned();
    }
    out
}

/// A refusal, ready for any transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// 400, 401, 403, 429 or 500.
    pub status: u16,
    pub www_authenticate: Option<String>,
    /// Whole seconds, at least 1.
    pub retry_after: Option<u64>,
    /// `RateLimit-Policy` and `RateLimit`, for a key over its rate limits.
    pub ratelimit: Option<(String, String)>,
    /// `{"code": …, "message": …}`.
    pub body: String,
}

impl ForwardAuthError {
    /// The code of the body: verify's codes, plus `MISSING_KEY`,
    /// `INVALID_REQUIRED_SCOPES`, `RATE_LIMITED` and `INTERNAL`.
    pub fn code(&self) -> &'static str {
        match self {
            ForwardAuthError::MissingCredential => "MISSING_KEY",
            ForwardAuthError::Rejected { code, .. } => code.as_str(),
            ForwardAuthError::InvalidRequiredScopes(_) => "INVALID_REQUIRED_SCOPES",
            ForwardAuthError::RateLimited { .. } => "RATE_LIMITED",
            ForwardAuthError::OverLimit(rejection) => rejection.code.as_str(),
            ForwardAuthError::Unexpected(_) => "INTERNAL",
        }
    }

    /// The refusal, its rate-limit fields' reset times counted from `now`.
    pub fn denial(&self, now: DateTime<Utc>) -> Denial {
        let (status, challenge, message): (u16, Option<String>, String) = match self {
            // RFC 6750 §3.1: no error code when no credential was sent.
            ForwardAuthError::MissingCredential => (
                401,
                Some(r#"Bearer realm="sesame""#.to_owned()),
                "No API key: send it as `Authorization: Bearer <key>` or in the key header".to_owned(),
            ),
            ForwardAuthError::Rejected { code: VerificationCode::InsufficientScope, required } => (
                403,
                Some(format!(r#"Bearer realm="sesame", error="insufficient_scope", scope="{}""#, required.names().join(" "))),
                format!("The key lacks a scope this request requires: {}", required.names().join(", ")),
            ),
            ForwardAuthError::Rejected { code: VerificationCode::ForbiddenIp, .. } => (
                403,
                Some(
                    r#"Bearer realm="sesame", error="insufficient_scope", error_description="the key may not be used from this address""#
                        .to_owned(),
                ),
                "The key may not be used from this address".to_owned(),
            ),
            ForwardAuthError::Rejected { code, .. } => (
                401,
                Some(r#"Bearer realm="sesame", error="invalid_token""#.to_owned()),
                format!("The key is not valid ({})", code.as_str()),
            ),
            ForwardAuthError::InvalidRequiredScopes(unknown) => (
                400,
                None,
                format!("X-Sesame-Required-Scopes, set by the gateway's configuration, names an {unknown}"),
            ),
            ForwardAuthError::RateLimited { .. } => {
                (429, None, "Too many failed attempts; retry after the time Retry-After gives".to_owned())
            }
            ForwardAuthError::OverLimit(rejection) => {
                (429, None, format!("The key is over a usage limit ({})", rejection.code.as_str()))
            }
            ForwardAuthError::Unexpected(_) => {
                (500, None, "The key could not be checked; the cause is in Sesame's log".to_owned())
            }
        };
        let whole_seconds = |d: &std::time::Duration| d.as_secs_f64().ceil().max(1.0) as u64;
        let retry_after = match self {
            ForwardAuthError::RateLimited { retry_after } => Some(whole_seconds(retry_after)),
            // Credits that never refill: no retry can succeed, so no Retry-After.
            ForwardAuthError::OverLimit(rejection) => rejection.retry_after.as_ref().map(whole_seconds),
            _ => None,
        };
        let ratelimit = match self {
            ForwardAuthError::OverLimit(rejection) => {
                Some(ratelimit_fields(&rejection.report.rate_limits, now)).filter(|(policy, _)| !policy.is_empty())
            }
            _ => None,
        };
        let body = json!({ "code": self.code(), "message": message }).to_string();
        Denial { status, www_authenticate: challenge, retry_after, ratelimit, body }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_domain::ScopeSet;

    #[test]
    fn metadata_is_compact_ascii_json_and_bounded() {
        let value = json!({"plan": "pro", "city": "Zürich"});
        let header = metadata_header(value.as_object().unwrap());
        assert!(header.is_ascii(), "{header}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&header).unwrap(), value);
        let big = json!({"blob": "x".repeat(MAX_METADATA_HEADER_BYTES)});
        assert_eq!(metadata_header(big.as_object().unwrap()), "{}");
        assert_eq!(metadata_header(&serde_json::Map::new()), "{}");
    }

    #[test]
    fn each_refusal_has_its_status_and_challenge() {
        let rejected =
            |code| ForwardAuthError::Rejected { code, required: ScopeSet::parse(["products.read"]).unwrap() };
        let revoked = rejected(VerificationCode::Revoked).denial(chrono::Utc::now());
        assert_eq!(revoked.status, 401);
        assert_eq!(revoked.www_authenticate.as_deref(), Some(r#"Bearer realm="sesame", error="invalid_token""#));
        let scope = rejected(VerificationCode::InsufficientScope).denial(chrono::Utc::now());
        assert_eq!(scope.status, 403);
        assert!(scope.www_authenticate.unwrap().contains(r#"error="insufficient_scope", scope="products.read""#));
        assert_eq!(rejected(VerificationCode::ForbiddenIp).denial(chrono::Utc::now()).status, 403);
        let limited = ForwardAuthError::RateLimited { retry_after: std::time::Duration::from_millis(1500) }
            .denial(chrono::Utc::now());
        assert_eq!((limited.status, limited.retry_after), (429, Some(2)));
        let body: serde_json::Value = serde_json::from_str(&revoked.body).unwrap();
        assert_eq!(body, json!({"code": "REVOKED", "message": "The key is not valid (REVOKED)"}));
    }
}
