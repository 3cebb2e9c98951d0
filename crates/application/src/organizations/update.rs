use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{Clock, OrganizationRepository};
use sesame_domain::{AuditAction, Organization, OrganizationName, Principal, Scope};

use super::organization_error::{load_visible, OrganizationError};
use crate::support::audit::ChangeBy;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;

/// Renames the caller's organization, or one it created.
#[derive(Clone, new)]
pub struct UpdateOrganization {
    organizations: Arc<dyn OrganizationRepository>,
    clock: Arc<dyn Clock>,
}

impl UpdateOrganization {
    /// # Errors
    /// `Forbidden` without `organizations.update`; `NotFound`; `Deactivated`;
    /// `Validation` for a bad name.
    pub async fn execute(&self, caller: &Principal, id: &str, name: &str) -> Result<Organization, OrganizationError> {
        let before = load_visible(self.organizations.as_ref(), caller, id, Scope::OrganizationsUpdate).await?;
        if before.deactivated_at.is_some() {
            return Err(OrganizationError::Deactivated);
        }
        let name = OrganizationName::parse(name)
            .map_err(|e| OrganizationError::Validation(ValidationErrors::single("name", e)))?;
        let now = self.clock.now();
        let mut organization = before.clone();
        organization.name = name;
        organization.updated_at = Some(now);
        let event = ChangeBy { caller, at: now }.organization(AuditAction::OrganizationUpdated, &before, &organization);
        self.organizations.update(&organization, &event).await.map_err(OrganizationError::unexpected)?;
        Ok(organization)
    }
}
