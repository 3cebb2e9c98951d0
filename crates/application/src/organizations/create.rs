use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{Clock, OrganizationRepository};
use sesame_domain::{ApiKey, ApiToken, KeyKind, Organization, OrganizationName, Principal, Scope};

use super::onboarding::{onboard, OnboardingRequest};
use super::organization_error::OrganizationError;
use crate::support::secret_issuer::SecretIssuer;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;

/// A new organization and its first key, whose secret is shown this once.
#[derive(Debug, Clone)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub key: ApiKey,
    pub token: ApiToken,
}

/// Onboards a tenant in one call: the organization and a first key holding
/// the caller's own scopes (never more), in the caller's environment. The
/// caller's organization becomes its parent and may manage it.
#[derive(Clone, new)]
pub struct CreateOrganization {
    organizations: Arc<dyn OrganizationRepository>,
    issuer: SecretIssuer,
    clock: Arc<dyn Clock>,
}

impl CreateOrganization {
    /// # Errors
    /// `Forbidden` without `organizations.create`; `Validation` for a bad name.
    pub async fn execute(&self, caller: &Principal, name: &str) -> Result<CreatedOrganization, OrganizationError> {
        caller.require(Scope::OrganizationsCreate)?;
        let name = OrganizationName::parse(name)
            .map_err(|e| OrganizationError::Validation(ValidationErrors::single("name", e)))?;
        let now = self.clock.now();
        let (token, secret) =
            self.issuer.issue(KeyKind::Secret, caller.environment, now).await.map_err(OrganizationError::unexpected)?;
        let request = OnboardingRequest {
            name,
            parent_id: Some(caller.organization_id),
            scopes: caller.scopes.clone(),
            environment: caller.environment,
            actor: caller.actor.clone(),
            ip: caller.ip,
            now,
        };
        let done = onboard(request, token, secret);
        self.organizations
            .insert_with_key(&done.organization, &done.key, &done.secret, &done.events)
            .await
            .map_err(OrganizationError::unexpected)?;
        Ok(CreatedOrganization { organization: done.organization, key: done.key, token: done.token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockOrganizationRepository;

    fn use_case(organizations: MockOrganizationRepository) -> CreateOrganization {
        let (issuer, clock) = (issuer_minting([5; 16], [6; 32], "$argon2id$h"), fixed_clock());
        CreateOrganization::new(Arc::new(organizations), issuer, Arc::new(clock))
    }

    #[tokio::test]
    async fn the_first_key_holds_exactly_the_callers_scopes_and_the_caller_is_the_parent() {
        let caller = principal(&["organizations.create", "products.read"]);
        let parent = caller.organization_id;
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_insert_with_key()
            .withf(move |org, key, _, events| {
                org.parent_id == Some(parent) && key.organization_id == org.id && events.len() == 2
            })
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let created = use_case(orgs).execute(&caller, "Tenant A").await.unwrap();
        assert_eq!(created.key.scopes, caller.scopes);
        assert_eq!(created.organization.name.as_str(), "Tenant A");
    }

    #[tokio::test]
    async fn creating_needs_organizations_create() {
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_insert_with_key().never();
        let err = use_case(orgs).execute(&principal(&["organizations.read"]), "x").await.unwrap_err();
        assert!(matches!(err, OrganizationError::Forbidden(_)));
    }

    #[tokio::test]
    async fn a_blank_name_is_named() {
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_insert_with_key().never();
        let err = use_case(orgs).execute(&principal(&["organizations.create"]), " ").await.unwrap_err();
        assert!(matches!(err, OrganizationError::Validation(v) if v.fields()[0].field == "name"));
    }
}
