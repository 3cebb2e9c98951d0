use std::sync::Arc;

use chrono::{DateTime, Utc};
use derive_new::new;
use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, Clock, OrganizationRepository, StatusFilter};
use sesame_domain::{
    Actor, ApiKey, ApiToken, AuditAction, Cursor, Environment, KeyDescription, KeyKind, OrganizationId, PageLimit,
    ScopeSet,
};
use thiserror::Error;

use super::operator::{active_organization, OperatorError};
use crate::api_keys::NewApiKey;
use crate::support::audit::{self, AuditContext};
use crate::support::secret_issuer::SecretIssuer;
use crate::Unexpected;
use crate::UnexpectedCause;

#[derive(Debug, Error)]
pub enum IssueRootKeyError {
    /// A malformed id, an unknown or deactivated organization.
    #[error(transparent)]
    Organization(#[from] OperatorError),
    #[error("issuing the root key failed")]
    Unexpected(#[from] Unexpected),
}

/// A new root key, shown this once, and the root keys it replaced.
#[derive(Debug, Clone)]
pub struct IssuedRootKey {
    pub key: ApiKey,
    pub token: ApiToken,
    pub revoked: Vec<ApiKey>,
}

/// Break-glass for an operator with access to the database: a new root key
/// (every scope, live) for an existing organization whose root key was lost,
/// optionally revoking the root keys issued before it (the live keys Sesame
/// itself issued). Recorded in the organization's trail as the system's.
#[derive(Clone, new)]
pub struct IssueRootKey {
    organizations: Arc<dyn OrganizationRepository>,
    keys: Arc<dyn ApiKeyRepository>,
    issuer: SecretIssuer,
    clock: Arc<dyn Clock>,
}

/// The actor of what this use case does.
fn operator() -> Actor {
    Actor::System { name: "root-key".to_owned() }
}

/// Where the operator's changes are recorded: the organization's live trail.
fn operator_context(organization_id: OrganizationId, at: DateTime<Utc>, target_id: &str) -> AuditContext<'_> {
    AuditContext { organization_id, environment: Environment::Live, actor: operator(), ip: None, at, target_id }
}

impl IssueRootKey {
    /// # Errors
    /// A malformed id, an unknown or deactivated organization.
    pub async fn execute(
        &self,
        organization_id: &str,
        revoke_previous: bool,
    ) -> Result<IssuedRootKey, IssueRootKeyError> {
        let organization = active_organization(self.organizations.as_ref(), organization_id).await?;
        let id = organization.id;
        let previous = if revoke_previous { self.system_keys(id).await? } else { Vec::new() };
        let now = self.clock.now();
        let (token, secret) =
            self.issuer.issue(KeyKind::Secret, Environment::Live, now).await.map_err(IssueRootKeyError::unexpected)?;
        let key = NewApiKey {
            description: KeyDescription::parse("issued by `sesame root-key`")
                .unwrap_or_else(|_| unreachable!("a constant, valid description")),
            ..NewApiKey::root(ScopeSet::all(), Environment::Live)
        }
        .issue(id, operator(), now, &token);
        let target = key.id.to_string();
        let created = audit::event(
            operator_context(id, now, &target),
            AuditAction::ApiKeyCreated,
            serde_json::Value::Null,
            audit::key_snapshot(&key),
        );
        self.keys.insert(&key, &secret, &created).await.map_err(IssueRootKeyError::unexpected)?;
        let mut revoked = Vec::new();
        for old in previous {
            let after = ApiKey { revoked_at: Some(now), updated_at: Some(now), ..old.clone() };
            let target = old.id.to_string();
            let (before_fields, after_fields) =
                audit::changed_fields(&audit::key_snapshot(&old), &audit::key_snapshot(&after));
            let event = audit::event(
                operator_context(id, now, &target),
                AuditAction::ApiKeyRevoked,
                before_fields,
                after_fields,
            );
            if self.keys.revoke(&after, &event).await.map_err(IssueRootKeyError::unexpected)? {
                revoked.push(after);
            }
        }
        tracing::info!(organization_id = %id, key_id = %key.id, revoked = revoked.len(), "root key issued");
        Ok(IssuedRootKey { key, token, revoked })
    }

    /// The organization's active live keys that Sesame itself issued.
    async fn system_keys(&self, organization_id: OrganizationId) -> Result<Vec<ApiKey>, IssueRootKeyError> {
        let limit = PageLimit::parse(PageLimit::MAX).unwrap_or(PageLimit::DEFAULT);
        let mut query = ApiKeyQuery {
            organization_id,
            environment: Environment::Live,
            status: Some(StatusFilter::Active),
            service_account_id: None,
            after: None,
            limit,
            now: self.clock.now(),
        };
        let mut found = Vec::new();
        loop {
            let page = self.keys.list(&query).await.map_err(IssueRootKeyError::unexpected)?;
            let full = page.len() == limit.get() as usize;
            query.after = page.last().map(|last| Cursor::after(last.id.uuid()));
            found.extend(page.into_iter().filter(|k| k.created_by.is_system()));
            if !full {
                return Ok(found);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::{MockApiKeyRepository, MockOrganizationRepository};

    fn use_case(orgs: MockOrganizationRepository, keys: MockApiKeyRepository) -> IssueRootKey {
        let (issuer, clock) = (issuer_minting([7; 16], [8; 32], "$argon2id$root"), fixed_clock());
        IssueRootKey::new(Arc::new(orgs), Arc::new(keys), issuer, Arc::new(clock))
    }

    fn existing(deactivated: bool) -> MockOrganizationRepository {
        let org = tenant(None, deactivated);
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(org.clone())));
        orgs
    }

    #[tokio::test]
    async fn a_new_root_key_holds_every_scope_and_is_audited_as_the_systems() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert()
            .withf(|key, _, event| {
                key.scopes == ScopeSet::all()
                    && key.created_by == operator()
                    && event.action == AuditAction::ApiKeyCreated
                    && event.actor == operator()
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        keys.expect_list().never();
        let id = organization_id().to_string();
        let issued = use_case(existing(false), keys).execute(&id, false).await.unwrap();
        assert!(issued.token.expose().starts_with("sk_live_"));
        assert!(issued.revoked.is_empty());
    }

    #[tokio::test]
    async fn revoking_the_previous_root_keys_leaves_keys_issued_by_keys_alone() {
        let root = active_key();
        let issued_by_a_key = ApiKey { created_by: Actor::ApiKey(sesame_domain::ApiKeyId::generate()), ..active_key() };
        let root_id = root.id;
        let mut keys = MockApiKeyRepository::new();
        keys.expect_list().returning(move |_| Ok(vec![root.clone(), issued_by_a_key.clone()]));
        keys.expect_insert().returning(|_, _, _| Ok(()));
        keys.expect_revoke()
            .withf(move |key, event| key.id == root_id && event.action == AuditAction::ApiKeyRevoked)
            .times(1)
            .returning(|_, _| Ok(true));
        let issued = use_case(existing(false), keys).execute(&organization_id().to_string(), true).await.unwrap();
        assert_eq!(issued.revoked.iter().map(|k| k.id).collect::<Vec<_>>(), vec![root_id]);
    }

    #[tokio::test]
    async fn an_unknown_a_malformed_or_a_deactivated_organization_gets_no_key() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().never();
        let uc = use_case(existing(true), keys);
        assert!(matches!(
            uc.execute("org_nope", false).await,
            Err(IssueRootKeyError::Organization(OperatorError::MalformedId(_)))
        ));
        assert!(matches!(
            uc.execute(&organization_id().to_string(), false).await,
            Err(IssueRootKeyError::Organization(OperatorError::Deactivated(_)))
        ));
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(|_| Ok(None));
        let err = use_case(orgs, MockApiKeyRepository::new()).execute(&organization_id().to_string(), false).await;
        assert!(matches!(err, Err(IssueRootKeyError::Organization(OperatorError::NotFound(_)))));
    }
}
