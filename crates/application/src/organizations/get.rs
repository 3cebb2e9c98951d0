use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::OrganizationRepository;
use sesame_domain::{Organization, Principal, Scope};

use super::organization_error::{load_visible, OrganizationError};

/// Reads the caller's organization, or one it created.
#[derive(Clone, new)]
pub struct GetOrganization {
    organizations: Arc<dyn OrganizationRepository>,
}

impl GetOrganization {
    /// # Errors
    /// `Forbidden` without `organizations.read`; `Validation` for a malformed
    /// id; `NotFound` for an organization the caller may not see.
    pub async fn execute(&self, caller: &Principal, id: &str) -> Result<Organization, OrganizationError> {
        load_visible(self.organizations.as_ref(), caller, id, Scope::OrganizationsRead).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockOrganizationRepository;
    use sesame_domain::OrganizationId;

    #[tokio::test]
    async fn an_organization_the_caller_created_is_visible() {
        let caller = principal(&["organizations.read"]);
        let child = tenant(Some(caller.organization_id), false);
        let id = child.id.to_string();
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(child.clone())));
        assert!(GetOrganization::new(Arc::new(orgs)).execute(&caller, &id).await.is_ok());
    }

    #[tokio::test]
    async fn an_unrelated_organization_is_not_found() {
        let stranger = tenant(Some(OrganizationId::generate()), false);
        let id = stranger.id.to_string();
        let mut orgs = MockOrganizationRepository::new();
        orgs.expect_get().returning(move |_| Ok(Some(stranger.clone())));
        let err =
            GetOrganization::new(Arc::new(orgs)).execute(&principal(&["organizations.read"]), &id).await.unwrap_err();
        assert!(matches!(err, OrganizationError::NotFound));
    }
}
