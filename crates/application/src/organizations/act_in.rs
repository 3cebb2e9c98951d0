use std::sync::Arc;

use crate::UnexpectedCause;
use derive_new::new;
use sesame_domain::ports::OrganizationRepository;
use sesame_domain::{OrganizationId, OrganizationStatus, Principal, Scope};

use super::organization_error::OrganizationError;

/// Places a caller in an organization it may see: its own, or one it
/// created (a platform managing its tenants' keys, as an `account_id` does).
///
/// The principal returned is the caller's own (same actor, scopes and
/// environment) in that organization, so every key rule (what it may grant,
/// which keys it may manage, test/live confinement) applies unchanged, and
/// the changes are recorded in that organization's audit trail.
#[derive(Clone, new)]
pub struct ActInOrganization {
    organizations: Arc<dyn OrganizationRepository>,
}

impl ActInOrganization {
    /// # Errors
    /// `NotFound` for a malformed id or an organization the caller may not
    /// see; `Forbidden` without `organizations.read` for another organization
    /// than its own (seeing it takes that scope); `Deactivated`.
    pub async fn execute(&self, caller: &Principal, raw_id: &str) -> Result<Principal, OrganizationError> {
        let id: OrganizationId = raw_id.parse().map_err(|_| OrganizationError::NotFound)?;
        if id == caller.organization_id {
            return Ok(caller.clone());
        }
        let organization = self
            .organizations
            .get(&id)
            .await
            .map_err(OrganizationError::unexpected)?
            .filter(|organization| organization.is_visible_to(&caller.organization_id))
            .ok_or(OrganizationError::NotFound)?;
        caller.require(Scope::OrganizationsRead)?;
        if organization.status() == OrganizationStatus::Deactivated {
            return Err(OrganizationError::Deactivated);
        }
        Ok(Principal { organization_id: organization.id, ..caller.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockOrganizationRepository;
    use sesame_domain::Organization;

    fn storing(organization: Organization) -> ActInOrganization {
        let mut organizations = MockOrganizationRepository::new();
        organizations.expect_get().returning(move |_| Ok(Some(organization.clone())));
        ActInOrganization::new(Arc::new(organizations))
    }

    #[tokio::test]
    async fn the_callers_own_organization_needs_no_read() {
        let caller = principal(&["api_keys.create"]);
        let mut organizations = MockOrganizationRepository::new();
        organizations.expect_get().never();
        let acting = ActInOrganization::new(Arc::new(organizations))
            .execute(&caller, &caller.organization_id.to_string())
            .await
            .unwrap();
        assert_eq!(acting, caller);
    }

    #[tokio::test]
    async fn in_an_organization_it_created_the_caller_keeps_its_actor_scopes_and_environment() {
        let caller = principal(&["api_keys.create", "organizations.read"]);
        let child = tenant(Some(caller.organization_id), false);
        let acting = storing(child.clone()).execute(&caller, &child.id.to_string()).await.unwrap();
        assert_eq!(acting, Principal { organization_id: child.id, ..caller });
    }

    #[tokio::test]
    async fn acting_in_a_created_organization_needs_organizations_read() {
        let caller = principal(&["api_keys.create"]);
        let child = tenant(Some(caller.organization_id), false);
        let err = storing(child.clone()).execute(&caller, &child.id.to_string()).await.unwrap_err();
        assert!(matches!(err, OrganizationError::Forbidden(f) if f.missing == Scope::OrganizationsRead));
    }

    #[tokio::test]
    async fn an_unrelated_a_malformed_or_a_deactivated_organization_is_refused() {
        let caller = principal(&["api_keys.create", "organizations.read"]);
        let stranger = tenant(Some(OrganizationId::generate()), false);
        let err = storing(stranger.clone()).execute(&caller, &stranger.id.to_string()).await.unwrap_err();
        assert!(matches!(err, OrganizationError::NotFound));
        let err = storing(stranger).execute(&caller, "acct_123").await.unwrap_err();
        assert!(matches!(err, OrganizationError::NotFound));
        let closed = tenant(Some(caller.organization_id), true);
        let err = storing(closed.clone()).execute(&caller, &closed.id.to_string()).await.unwrap_err();
        assert!(matches!(err, OrganizationError::Deactivated));
    }
}
