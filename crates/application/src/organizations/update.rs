use std::net::IpAddr;
use std::sync::Arc;

use sesame_domain::ports::{Clock, OrganizationRepository};
use sesame_domain::{AuditAction, Organization, OrganizationName, Principal, Scope};

use super::organization_error::{load_visible, OrganizationError};
use crate::support::audit;
use crate::support::validation::ValidationErrors;

/// Renames the caller's organization, or one it created.
#[derive(Clone)]
pub struct UpdateOrganization {
    organizations: Arc<dyn OrganizationRepository>,
    clock: Arc<dyn Clock>,
}

impl UpdateOrganization {
    pub fn new(organizations: Arc<dyn OrganizationRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { organizations, clock }
    }

    /// # Errors
    /// `Forbidden` without `organizations.update`; `NotFound`; `Deactivated`;
    /// `Validation` for a bad name.
    pub async fn execute(
        &self,
        caller: &Principal,
        id: &str,
        name: &str,
        request_ip: Option<IpAddr>,
    ) -> Result<Organization, OrganizationError> {
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
        let event = audit::change(
            caller,
            request_ip,
            now,
            &organization.id.to_string(),
            AuditAction::OrganizationUpdated,
            &audit::organization_snapshot(&before),
            &audit::organization_snapshot(&organization),
        );
        self.organizations.update(&organization, &event).await.map_err(OrganizationError::unexpected)?;
        Ok(organization)
    }
}
