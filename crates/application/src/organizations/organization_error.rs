//! Finding an organization the caller may see: its own, or one it created.

use sesame_domain::ports::OrganizationRepository;
use sesame_domain::{Forbidden, Organization, OrganizationId, Principal, Scope};
use thiserror::Error;

use crate::support::validation::ValidationErrors;
use crate::Unexpected;
use crate::UnexpectedCause;

#[derive(Debug, Error)]
pub enum OrganizationError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Not the caller's organization nor one it created (or no such id).
    #[error("no such organization")]
    NotFound,
    /// A key may not deactivate the organization it belongs to: that would
    /// lock out every key of it, the caller's included.
    #[error("a key cannot deactivate its own organization")]
    OwnOrganization,
    /// The organization is deactivated and cannot change.
    #[error("the organization is deactivated")]
    Deactivated,
    #[error("the operation failed")]
    Unexpected(#[from] Unexpected),
}

pub(crate) async fn load_visible(
    organizations: &dyn OrganizationRepository,
    caller: &Principal,
    raw_id: &str,
    scope: Scope,
) -> Result<Organization, OrganizationError> {
    caller.require(scope)?;
    let id: OrganizationId =
        raw_id.parse().map_err(|e| OrganizationError::Validation(ValidationErrors::single("id", e)))?;
    let organization =
        organizations.get(&id).await.map_err(OrganizationError::unexpected)?.ok_or(OrganizationError::NotFound)?;
    if !organization.is_visible_to(&caller.organization_id) {
        return Err(OrganizationError::NotFound);
    }
    Ok(organization)
}
