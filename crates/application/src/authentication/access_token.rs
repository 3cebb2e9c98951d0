use std::net::IpAddr;
use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{AccessTokenError, AccessTokenVerifier, OrganizationRepository};
use sesame_domain::{Actor, KeyKind, OrganizationStatus, Principal, VerificationCode};
use thiserror::Error;

use crate::Unexpected;

#[derive(Debug, Error)]
pub enum AccessTokenAuthenticationError {
    /// The token itself is refused: no provider configured, expired, or invalid.
    #[error(transparent)]
    Token(#[from] AccessTokenError),
    /// The token is genuine but its organization is unknown or deactivated.
    #[error("the access token was rejected: {}", .0.as_str())]
    Rejected(VerificationCode),
    #[error("authentication failed unexpectedly")]
    Unexpected(#[source] Unexpected),
}

/// Authenticates a JWT access token from the configured auth provider: the
/// signature and claims are the verifier's business; the organization must
/// exist and be active, as for a key. The principal holds exactly the
/// token's scopes, so the same grant rules apply as to a key.
#[derive(Clone, new)]
pub struct AuthenticateAccessToken {
    verifier: Arc<dyn AccessTokenVerifier>,
    organizations: Arc<dyn OrganizationRepository>,
}

impl AuthenticateAccessToken {
    /// # Errors
    /// `Token` when the verifier refuses it; `Rejected` for an unknown or
    /// deactivated organization.
    pub async fn execute(&self, token: &str, ip: Option<IpAddr>) -> Result<Principal, AccessTokenAuthenticationError> {
        let claims = self.verifier.verify(token)?;
        let organization = self
            .organizations
            .get(&claims.organization_id)
            .await
            .map_err(|e| AccessTokenAuthenticationError::Unexpected(Box::new(e)))?
            .ok_or(AccessTokenAuthenticationError::Rejected(VerificationCode::NotFound))?;
        if organization.status() == OrganizationStatus::Deactivated {
            return Err(AccessTokenAuthenticationError::Rejected(VerificationCode::OrganizationDeactivated));
        }
        Ok(Principal {
            actor: Actor::AccessToken { subject: claims.subject },
            organization_id: claims.organization_id,
            environment: claims.environment,
            kind: KeyKind::Secret,
            scopes: claims.scopes,
            ip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use chrono::Duration;
    use sesame_domain::ports::{AccessTokenClaims, MockAccessTokenVerifier, MockOrganizationRepository};
    use sesame_domain::{Environment, Organization, OrganizationName, ScopeSet};

    fn claims() -> AccessTokenClaims {
        AccessTokenClaims {
            subject: "user-42".into(),
            organization_id: organization_id(),
            environment: Environment::Test,
            scopes: ScopeSet::parse(["api_keys.create"]).unwrap(),
            expires_at: now() + Duration::hours(1),
        }
    }

    fn organization(deactivated: bool) -> Organization {
        Organization {
            id: organization_id(),
            name: OrganizationName::parse("Acme").unwrap(),
            parent_id: None,
            created_at: now(),
            updated_at: None,
            deactivated_at: deactivated.then(now),
        }
    }

    fn use_case(
        verdict: Result<AccessTokenClaims, AccessTokenError>,
        org: Option<Organization>,
    ) -> AuthenticateAccessToken {
        let mut verifier = MockAccessTokenVerifier::new();
        verifier.expect_verify().return_once(move |_| verdict);
        let mut organizations = MockOrganizationRepository::new();
        organizations.expect_get().return_once(move |_| Ok(org));
        AuthenticateAccessToken::new(Arc::new(verifier), Arc::new(organizations))
    }

    #[tokio::test]
    async fn a_valid_token_stands_for_its_subject_with_exactly_its_scopes() {
        let principal = use_case(Ok(claims()), Some(organization(false))).execute("eyJ.a.b", None).await.unwrap();
        assert_eq!(principal.actor, Actor::AccessToken { subject: "user-42".into() });
        assert_eq!(principal.environment, Environment::Test);
        assert_eq!(principal.scopes, ScopeSet::parse(["api_keys.create"]).unwrap());
    }

    #[tokio::test]
    async fn a_token_of_a_deactivated_organization_is_rejected() {
        let err = use_case(Ok(claims()), Some(organization(true))).execute("eyJ.a.b", None).await.unwrap_err();
        assert!(matches!(err, AccessTokenAuthenticationError::Rejected(VerificationCode::OrganizationDeactivated)));
    }

    #[tokio::test]
    async fn a_token_of_an_unknown_organization_is_rejected() {
        let err = use_case(Ok(claims()), None).execute("eyJ.a.b", None).await.unwrap_err();
        assert!(matches!(err, AccessTokenAuthenticationError::Rejected(VerificationCode::NotFound)));
    }

    #[tokio::test]
    async fn without_a_configured_provider_every_token_is_refused() {
        let err = use_case(Err(AccessTokenError::NotConfigured), None).execute("eyJ.a.b", None).await.unwrap_err();
        assert!(matches!(err, AccessTokenAuthenticationError::Token(AccessTokenError::NotConfigured)));
    }
}
