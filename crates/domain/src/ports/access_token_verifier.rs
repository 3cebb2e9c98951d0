use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::{Environment, OrganizationId, ScopeSet};

/// What a verified access token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenClaims {
    /// `sub`: who the auth provider authenticated; never empty.
    pub subject: String,
    /// `org_id`, in Sesame's `org_<uuid>` form.
    pub organization_id: OrganizationId,
    /// `env`: `live` or `test`; `live` when the claim is absent.
    pub environment: Environment,
    /// `scope` (space-separated, RFC 9068) or `scopes` (array of names).
    pub scopes: ScopeSet,
    /// `exp`: required, so no token is valid forever.
    pub expires_at: DateTime<Utc>,
}

/// Why an access token was refused. Messages are safe to show the client:
/// they never echo the token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessTokenError {
    #[error("access tokens are not accepted here: no token provider is configured")]
    NotConfigured,
    #[error("the access token expired")]
    Expired,
    #[error("the access token is invalid: {0}")]
    Invalid(String),
}

/// Checks access tokens (JWTs) issued by an external auth provider.
///
/// Synchronous on purpose: a signature check takes microseconds, far less
/// than a hop to a blocking pool would cost.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait AccessTokenVerifier: Send + Sync {
    /// The claims of `token` once its signature and lifetime check out.
    ///
    /// # Errors
    /// `NotConfigured` when no provider is configured, `Expired` past `exp`,
    /// `Invalid` for anything else wrong with the token.
    fn verify(&self, token: &str) -> Result<AccessTokenClaims, AccessTokenError>;
}

/// The verifier used when no auth provider is configured: refuses every
/// token, so access tokens are opt-in.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAccessTokens;

impl AccessTokenVerifier for NoAccessTokens {
    fn verify(&self, _token: &str) -> Result<AccessTokenClaims, AccessTokenError> {
        Err(AccessTokenError::NotConfigured)
    }
}

/// Whether `token` has the shape of a JWT (`eyJ….….…`, three non-empty
/// base64url segments), so a bearer credential can be routed to the access
/// token verifier. API keys never contain a dot, so they never match.
pub fn looks_like_jwt(token: &str) -> bool {
    let is_base64url = |segment: &str| {
        !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let mut segments = token.split('.');
    match (segments.next(), segments.next(), segments.next(), segments.next()) {
        (Some(header), Some(payload), Some(signature), None) => {
            header.starts_with("eyJ") && is_base64url(header) && is_base64url(payload) && is_base64url(signature)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_looks_like_a_jwt() {
        assert!(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl-_"));
    }

    #[test]
    fn api_keys_never_look_like_a_jwt() {
        assert!(!looks_like_jwt("sk_live_3xAmpLeBase58Key"));
        assert!(!looks_like_jwt("pk_test_3xAmpLeBase58Key"));
    }

    #[test]
    fn malformed_tokens_do_not_look_like_a_jwt() {
        // Unsigned (`alg: none`) tokens have an empty third segment.
        assert!(!looks_like_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0."));
        assert!(!looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0"));
        assert!(!looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig.extra"));
        assert!(!looks_like_jwt("abc.def.ghi"));
        assert!(!looks_like_jwt("eyJ+/.eyJ.sig"));
        assert!(!looks_like_jwt(""));
    }

    #[test]
    fn without_a_provider_every_token_is_refused() {
        assert_eq!(NoAccessTokens.verify("eyJ.eyJ.sig"), Err(AccessTokenError::NotConfigured));
    }
}
