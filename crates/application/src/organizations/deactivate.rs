use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{Clock, OrganizationRepository};
use sesame_domain::{AuditAction, Organization, Principal, Scope};

use super::organization_error::{load_visible, OrganizationError};
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit::ChangeBy;
use crate::UnexpectedCause;

/// Deactivates an organization the caller created, and with it every
/// organization below it (suspending a reseller suspends its customers):
/// every key of them stops authenticating and verifying at once.
/// Deactivating twice changes nothing.
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
    pub async fn execute(&self, caller: &Principal, id: &str) -> Result<Organization, OrganizationError> {
        let before = load_visible(self.organizations.as_ref(), caller, id, Scope::OrganizationsDeactivate).await?;
        if before.id == caller.organization_id {
            return Err(OrganizationError::OwnOrganization);
        }
        if before.deactivated_at.is_some() {
            return Ok(before);
        }
        let now = self.clock.now();
        let below = self.organizations.descendants(&before.id).await.map_err(OrganizationError::unexpected)?;
        let by = ChangeBy { caller, at: now };
        let (mut deactivated, mut events) = (Vec::new(), Vec::new());
        for org in std::iter::once(before).chain(below.into_iter().filter(|o| o.deactivated_at.is_none())) {
            let after = Organization { deactivated_at: Some(now), updated_at: Some(now), ..org.clone() };
            events.push(by.organization(AuditAction::OrganizationDeactivated, &org, &after));
            deactivated.push(after);
        }
        self.organizations.update_all(&deactivated, &events).await.map_err(OrganizationError::unexpected)?;
        for org in &deactivated {
            self.cache.invalidate_organization(org.id);
        }
        let organization = deactivated.swap_remove(0);
        tracing::info!(organization_id = %organization.id, below = deactivated.len(), "organization deactivated");
        Ok(organization)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockOrganizationRepository;
    use sesame_domain::{OrganizationId, OrganizationName};

    fn use_case(orgs: MockOrganizationRepository) -> DeactivateOrganization {
        let clock = fixed_clock();
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
        orgs.expect_descendants().returning(|_| Ok(vec![]));
        orgs.expect_update_all()
            .withf(|orgs, events| {
                orgs.len() == 1
                    && orgs[0].deactivated_at == Some(now())
                    && events.len() == 1
                    && events[0].action == AuditAction::OrganizationDeactivated
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let done = use_case(orgs).execute(&caller, &id).await.unwrap();
        assert!(done.deactivated_at.is_some());
    }

    #[tokio::test]
    async fn the_organizations_below_are_deactivated_with_it_each_audited() {
        let caller = principal(&["organizations.deactivate"]);
        let child = organization(OrganizationId::generate(), Some(caller.organization_id));
        let grandchild = organization(OrganizationId::generate(), Some(child.id));
        let closed = Organization {
            deactivated_at: Some(now() - chrono::Duration::days(1)),
            ..organization(OrganizationId::generate(), Some(child.id))
        };
        let (id, child_id, grandchild_id) = (child.id.to_string(), child.id, grandchild.id);
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(child.clone())));
        orgs.expect_descendants().returning(move |_| Ok(vec![grandchild.clone(), closed.clone()]));
        orgs.expect_update_all()
            .withf(move |orgs, events| {
                orgs.iter().map(|o| o.id).collect::<Vec<_>>() == vec![child_id, grandchild_id]
                    && orgs.iter().all(|o| o.deactivated_at == Some(now()))
                    && events.len() == 2
                    && events[1].target_id == grandchild_id.to_string()
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let done = use_case(orgs).execute(&caller, &id).await.unwrap();
        assert_eq!(done.id, child_id);
    }

    #[tokio::test]
    async fn a_key_cannot_deactivate_its_own_organization() {
        let caller = principal(&["organizations.deactivate"]);
        let own = organization(caller.organization_id, None);
        let id = own.id.to_string();
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(own.clone())));
        orgs.expect_update_all().never();
        let err = use_case(orgs).execute(&caller, &id).await.unwrap_err();
        assert!(matches!(err, OrganizationError::OwnOrganization));
    }
}
