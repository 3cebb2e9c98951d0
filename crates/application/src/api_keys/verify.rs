use std::net::IpAddr;

use derive_new::new;
use sesame_domain::{ApiKey, Principal, Scope, ScopeSet, VerificationCode};
use thiserror::Error;

use crate::authentication::authenticate::{Authenticate, AuthenticationError, Verified};
use crate::limits::{LimitError, UsageLimiter, UsageReport, MAX_COST};
use crate::support::validation::ValidationErrors;
use crate::Unexpected;

#[derive(Debug, Clone, Default)]
pub struct VerifyApiKeyCommand {
    /// The presented key, as the gateway received it.
    pub key: String,
    pub required_scopes: Vec<String>,
    /// The end client's address, as the gateway saw it.
    pub ip: Option<String>,
    /// The address of whoever called `verify`: used when `ip` is absent.
    pub peer_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// Units of the key's rate limits and credits to spend; 1 when absent,
    /// 0 to look without spending.
    pub cost: Option<i64>,
}

/// A parsed [`VerifyApiKeyCommand`]: the scopes to require, and the address
/// the key's IP allow list is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCheck {
    pub required: ScopeSet,
    pub ip: Option<IpAddr>,
    pub cost: u64,
}

impl VerifyApiKeyCommand {
    /// # Errors
    /// An unknown required scope, an unreadable `ip`, named.
    pub fn parse(&self) -> Result<KeyCheck, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let required = errors.check("required_scopes", ScopeSet::parse(&self.required_scopes));
        let ip = match self.ip.as_deref() {
            None => Some(self.peer_ip),
            Some(raw) => errors
                .check("ip", raw.trim().parse::<IpAddr>().map_err(|_| "must be an IPv4 or IPv6 address"))
                .map(Some),
        };
        let cost = match self.cost {
            None => Some(1),
            Some(raw) => errors.check(
                "cost",
                u64::try_from(raw).ok().filter(|c| *c <= MAX_COST).ok_or(format!("must be 0 to {MAX_COST}")),
            ),
        };
        errors.finish(|| Some(KeyCheck { required: required?, ip: ip?, cost: cost? }))
    }
}

/// The answer: a code, the key only when it is valid, and where its usage
/// limits stand when it has any.
#[derive(Debug, Clone)]
pub struct Verification {
    pub code: VerificationCode,
    /// Shared with the cache, not copied: this is the hot path.
    pub verified: Option<Verified>,
    /// For a key with rate limits or credits (its own or its service
    /// account's) that got as far as them.
    pub usage: Option<UsageReport>,
}

impl Verification {
    pub fn key(&self) -> Option<&ApiKey> {
        self.verified.as_ref().map(Verified::key)
    }
}

#[derive(Debug, Error)]
pub enum VerifyError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] sesame_domain::Forbidden),
    /// Too many failed attempts for this key id or client IP.
    #[error("too many failed attempts")]
    RateLimited { retry_after: std::time::Duration },
    #[error("verification failed")]
    Unexpected(#[source] Unexpected),
}

/// Answers "is this key valid, for these scopes, from this IP?" for the
/// services behind a gateway.
///
/// Who may ask (as in RFC 7662 token introspection and Unkey's verifyKey):
/// * a caller key of the same organization and environment holding
///   `api_keys.read`; a key of another organization or environment is
///   `NOT_FOUND` to it, so the endpoint is no existence oracle across tenants;
/// * anyone holding the key itself, with no caller key: it learns only what
///   holding the key already tells it.
///
/// An invalid key learns nothing but its code. A valid one counts one use.
#[derive(Clone, new)]
pub struct VerifyApiKey {
    authenticate: Authenticate,
}

impl VerifyApiKey {
    /// # Errors
    /// `Forbidden` for a caller without `api_keys.read`; `Validation` for an
    /// unknown required scope or an unreadable `ip`.
    pub async fn execute(
        &self,
        caller: Option<&Principal>,
        command: VerifyApiKeyCommand,
    ) -> Result<Verification, VerifyError> {
        if let Some(caller) = caller {
            caller.require(Scope::ApiKeysRead)?;
        }
        let KeyCheck { required, ip, cost } = command.parse().map_err(VerifyError::Validation)?;
        let rejected = |code| Ok(Verification { code, verified: None, usage: None });
        match self.authenticate.check_on_behalf(&command.key, ip, command.peer_ip, &required).await {
            Ok(verified) => {
                let foreign = caller.is_some_and(|c| {
                    c.organization_id != verified.key().organization_id || c.environment != verified.key().environment
                });
                if foreign {
                    return rejected(VerificationCode::NotFound);
                }
                let usage = if UsageLimiter::applies_to(&verified.credential) {
                    let limits = self.authenticate.limits();
                    match limits.admit(&verified.credential, cost, self.authenticate.now()).await {
                        Ok(usage) => usage,
                        Err(LimitError::Rejected(r)) => {
                            return Ok(Verification { code: r.code, verified: None, usage: Some(r.report) })
                        }
                        Err(LimitError::Unexpected(e)) => return Err(VerifyError::Unexpected(e)),
                    }
                } else {
                    None
                };
                self.authenticate.record_use(&verified, ip, command.user_agent.as_deref());
                Ok(Verification { code: VerificationCode::Valid, verified: Some(verified), usage })
            }
            Err(AuthenticationError::OverLimit(r)) => {
                Ok(Verification { code: r.code, verified: None, usage: Some(r.report) })
            }
            Err(AuthenticationError::Rejected(code)) => rejected(code),
            Err(AuthenticationError::RateLimited { retry_after }) => Err(VerifyError::RateLimited { retry_after }),
            Err(AuthenticationError::Unexpected(e)) => Err(VerifyError::Unexpected(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::usage::UsageBuffer;
    use sesame_domain::ports::{MockApiKeyRepository, MockSecretHasher};
    use sesame_domain::OrganizationId;

    fn use_case() -> (VerifyApiKey, UsageBuffer) {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().returning(|_| Ok(Some(credential(active_key()))));
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        hasher.expect_needs_rehash().return_const(false);
        let clock = fixed_clock();
        let (auth, usage) =
            authenticate_with(keys, hasher, clock, crate::authentication::failure_limiter::FailureLimits::default());
        (VerifyApiKey::new(auth), usage)
    }

    fn command() -> VerifyApiKeyCommand {
        VerifyApiKeyCommand { key: token().expose(), ..Default::default() }
    }

    #[tokio::test]
    async fn a_valid_key_verifies_itself_and_counts_one_use() {
        let (verify, usage) = use_case();
        let result = verify.execute(None, command()).await.unwrap();
        assert_eq!(result.code, VerificationCode::Valid);
        assert!(result.key().is_some());
        assert_eq!(usage.pending(), 1);
    }

    #[tokio::test]
    async fn a_key_of_another_organization_is_not_found_to_the_caller() {
        let (verify, usage) = use_case();
        let mut caller = principal(&["api_keys.read"]);
        caller.organization_id = OrganizationId::generate();
        let result = verify.execute(Some(&caller), command()).await.unwrap();
        assert_eq!(result.code, VerificationCode::NotFound);
        assert!(result.key().is_none());
        assert_eq!(usage.pending(), 0);
    }

    #[tokio::test]
    async fn a_caller_needs_api_keys_read() {
        let (verify, _) = use_case();
        let err = verify.execute(Some(&principal(&[])), command()).await.unwrap_err();
        assert!(matches!(err, VerifyError::Forbidden(_)));
    }

    #[tokio::test]
    async fn an_unknown_required_scope_and_a_bad_ip_are_named() {
        let (verify, _) = use_case();
        let cmd = VerifyApiKeyCommand { required_scopes: vec!["nope".into()], ip: Some("10.0.0".into()), ..command() };
        let err = verify.execute(None, cmd).await.unwrap_err();
        let VerifyError::Validation(v) = err else { panic!("expected validation") };
        let fields: Vec<&str> = v.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["required_scopes", "ip"]);
    }

    #[tokio::test]
    async fn a_key_over_its_rate_limit_verifies_as_rate_limited_and_a_cost_of_0_only_looks() {
        let mut key = active_key();
        key.limits.rate_limits =
            sesame_domain::RateLimits::new(vec![sesame_domain::RateLimit::parse("default", 1, 60).unwrap()]).unwrap();
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().returning(move |_| Ok(Some(credential(key.clone()))));
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        hasher.expect_needs_rehash().return_const(false);
        let (auth, _) = authenticate_with(
            keys,
            hasher,
            fixed_clock(),
            crate::authentication::failure_limiter::FailureLimits::default(),
        );
        let verify = VerifyApiKey::new(auth.with_limits(crate::limits::UsageLimiter::default()));

        let first = verify.execute(None, command()).await.unwrap();
        let second = verify.execute(None, command()).await.unwrap();
        let looked = verify.execute(None, VerifyApiKeyCommand { cost: Some(0), ..command() }).await.unwrap();

        assert_eq!(first.code, VerificationCode::Valid);
        assert_eq!(first.usage.unwrap().rate_limits[0].remaining, 0);
        assert_eq!(second.code, VerificationCode::RateLimited);
        assert!(second.key().is_none());
        assert_eq!(looked.code, VerificationCode::Valid, "a cost of 0 only looks");
    }

    #[tokio::test]
    async fn a_garbage_key_is_malformed() {
        let (verify, _) = use_case();
        let cmd = VerifyApiKeyCommand { key: "hello".into(), ..Default::default() };
        assert_eq!(verify.execute(None, cmd).await.unwrap().code, VerificationCode::Malformed);
    }
}
