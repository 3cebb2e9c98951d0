use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{Clock, OrganizationRepository};
use sesame_domain::{Actor, ApiKey, ApiToken, Environment, KeyKind, Organization, OrganizationName, ScopeSet};
use thiserror::Error;

use super::onboarding::{onboard, OnboardingRequest};
use crate::support::secret_issuer::SecretIssuer;
use crate::support::validation::ValidationErrors;
use crate::Unexpected;

#[derive(Debug, Error)]
pub enum BootstrapError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error("bootstrapping failed")]
    Unexpected(#[source] Unexpected),
}

/// An organization and its root key, holding every scope.
#[derive(Debug, Clone)]
pub struct Bootstrapped {
    pub organization: Organization,
    pub key: ApiKey,
    pub token: ApiToken,
}

/// Creates an organization with a root key from outside the API (the CLI and
/// the first start of an empty installation).
#[derive(Clone, new)]
pub struct Bootstrap {
    organizations: Arc<dyn OrganizationRepository>,
    issuer: SecretIssuer,
    clock: Arc<dyn Clock>,
}

impl Bootstrap {
    /// Always creates a new organization.
    ///
    /// # Errors
    /// `Validation` for a bad name.
    pub async fn execute(&self, name: &str) -> Result<Bootstrapped, BootstrapError> {
        let name = OrganizationName::parse(name)
            .map_err(|e| BootstrapError::Validation(ValidationErrors::single("org_name", e)))?;
        let now = self.clock.now();
        let (token, secret) = self
            .issuer
            .issue(KeyKind::Secret, Environment::Live, now)
            .await
            .map_err(|e| BootstrapError::Unexpected(Box::new(e)))?;
        let request = OnboardingRequest {
            name,
            parent_id: None,
            scopes: ScopeSet::all(),
            environment: Environment::Live,
            actor: Actor::bootstrap(),
            ip: None,
            now,
        };
        let onboarded = onboard(request, token, secret);
        self.organizations
            .insert_with_key(&onboarded.organization, &onboarded.key, &onboarded.secret, &onboarded.events)
            .await
            .map_err(|e| BootstrapError::Unexpected(Box::new(e)))?;
        Ok(Bootstrapped { organization: onboarded.organization, key: onboarded.key, token: onboarded.token })
    }

    /// Creates the first organization only when the installation has none.
    ///
    /// # Errors
    /// As [`Bootstrap::execute`].
    pub async fn if_empty(&self, name: &str) -> Result<Option<Bootstrapped>, BootstrapError> {
        let any = self.organizations.any_exists().await.map_err(|e| BootstrapError::Unexpected(Box::new(e)))?;
        if any {
            return Ok(None);
        }
        self.execute(name).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixed_clock, issuer_minting};
    use sesame_domain::ports::MockOrganizationRepository;

    fn use_case(organizations: MockOrganizationRepository) -> Bootstrap {
        let (issuer, clock) = (issuer_minting([5; 16], [6; 32], "$argon2id$h"), fixed_clock());
        Bootstrap::new(Arc::new(organizations), issuer, Arc::new(clock))
    }

    #[tokio::test]
    async fn the_root_key_holds_every_scope_and_both_records_are_audited() {
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_insert_with_key()
            .withf(|org, key, _, events| key.organization_id == org.id && events.len() == 2)
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let done = use_case(orgs).execute("Acme").await.unwrap();
        assert_eq!(done.key.scopes, ScopeSet::all());
        assert_eq!(done.key.created_by, Actor::bootstrap());
        assert_eq!(done.organization.name.as_str(), "Acme");
    }

    #[tokio::test]
    async fn nothing_is_created_when_an_organization_exists() {
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_any_exists().returning(|| Ok(true));
        orgs.expect_insert_with_key().never();
        assert!(use_case(orgs).if_empty("Acme").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_blank_organization_name_is_rejected() {
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_insert_with_key().never();
        assert!(matches!(use_case(orgs).execute(" ").await, Err(BootstrapError::Validation(_))));
    }
}
