use std::net::IpAddr;
use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{Clock, OrganizationRepository};
use sesame_domain::{AuditAction, Organization, Principal, Scope};

use super::organization_error::{load_visible, OrganizationError};
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit::ChangeBy;
/// Deactivates an organization the caller created: every key of it stops
/// authenticating and verifying at once. Deactivating twice changes nothing.
#[derive(Clone, new)]
pub struct DeactivateOrganization {
    organizations: Arc<dyn OrganizationRepository>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}
impl DeactivateOrganization {
    /// # Errors
    /// `Forbidden` without `organizations.deactivate`; `NotFound`;
    /// `OwnOrganization` when the target is the caller's own organization.
    pub async fn execute(
        &self,
        caller: &Principal,
        id: &str,
        request_ip: Option<IpAddr>,
    ) -> Result<Organization, OrganizationError> {
        let before = load_visible(self.organizations.as_ref(), caller, id, Scope::OrganizationsDeactivate).await?;
        if before.id == caller.organization_id {
            return Err(OrganizationError::OwnOrganization);
        }
        if before.deactivated_at.is_some() {
            return Ok(before);
        }
        let now = self.clock.now();
        let mut organization = before.clone();
        organization.deactivated_at = Some(now);
        organization.updated_at = Some(now);
        let event = ChangeBy { caller, ip: request_ip, at: now }.organization(
            AuditAction::OrganizationDeactivated,
            &before,
            &organization,
        );
        self.organizations.update(&organization, &event).await.map_err(OrganizationError::unexpected)?;
        self.cache.invalidate_organization(organization.id);
        tracing::info!(organization_id = %organization.id, "organization deactivated");
        Ok(organization)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::{MockClock, MockOrganizationRepository};
    use sesame_domain::{OrganizationId, OrganizationName};

    fn use_case(orgs: MockOrganizationRepository) -> DeactivateOrganization {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        DeactivateOrganization::new(Arc::new(orgs), Arc::new(clock), test_cache())
    }

    fn organization(id: OrganizationId, parent_id: Option<OrganizationId>) -> Organization {
        Organization {
            id,
            name: OrganizationName::parse("Tenant").unwrap(),
            parent_id,
            created_at: now(),
            updated_at: None,
            deactivated_at: None,
        }
    }

    #[tokio::test]
    async fn a_child_organization_is_deactivated_with_an_audit_event() {
        let caller = principal(&["organizations.deactivate"]);
        let child = organization(OrganizationId::generate(), Some(caller.organization_id));
        let id = child.id.to_string();
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(child.clone())));
        orgs.expect_update()
            .withf(|org, event| {
                org.deactivated_at == Some(now()) && event.action == AuditAction::OrganizationDeactivated
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let done = use_case(orgs).execute(&caller, &id, None).await.unwrap();
        assert!(done.deactivated_at.is_some());
    }

    #[tokio::test]
    async fn a_key_cannot_deactivate_its_own_organization() {
        let caller = principal(&["organizations.deactivate"]);
        let own = organization(caller.organization_id, None);
        let id = own.id.to_string();
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(own.clone())));
        orgs.expect_update().never();
        let err = use_case(orgs).execute(&caller, &id, None).await.unwrap_err();
        assert!(matches!(err, OrganizationError::OwnOrganization));
    }
}
