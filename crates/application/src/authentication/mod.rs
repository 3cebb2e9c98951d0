//! Who is calling: a presented key checked against its stored hash (with the
//! verified-key cache in front and the failed-attempt budgets beside it), or
//! a JWT access token from the configured provider.

pub mod access_token;
pub mod authenticate;
pub mod check_metrics;
pub mod failure_limiter;
pub mod rehash;
pub mod verified_key_cache;

pub use access_token::{AccessTokenAuthenticationError, AuthenticateAccessToken};
pub use authenticate::{Authenticate, AuthenticationError, Verified};
pub use failure_limiter::{FailureLimiter, FailureLimits};
pub use rehash::RehashQueue;
pub use verified_key_cache::{VerifiedCredential, VerifiedKeyCache};

/// The token of an `Authorization` value in the Bearer scheme (RFC 6750):
/// the scheme matched without regard to case, the token trimmed; `None` for
/// another scheme or an empty token.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn a_bearer_token_is_read_from_its_scheme_in_any_case_and_trimmed() {
        assert_eq!(bearer_token(" Bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
