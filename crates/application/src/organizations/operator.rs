//! What an operator with access to the database names on the command line
//! (`sesame root-key`, `sesame import`): an existing, active organization.

use sesame_domain::ports::OrganizationRepository;
use sesame_domain::{Organization, OrganizationId, OrganizationStatus};
use thiserror::Error;

use crate::{Unexpected, UnexpectedCause};

#[derive(Debug, Error)]
pub enum OperatorError {
    #[error("`{0}` is not an organization id (org_<uuid>)")]
    MalformedId(String),
    #[error("no organization {0}")]
    NotFound(OrganizationId),
    #[error("organization {0} is deactivated; its keys cannot authenticate")]
    Deactivated(OrganizationId),
    #[error("reading the organization failed")]
    Unexpected(#[from] Unexpected),
}

/// The organization `organization_id` names, if it exists and is active.
///
/// # Errors
/// A malformed id, an unknown or deactivated organization.
pub async fn active_organization(
    organizations: &dyn OrganizationRepository,
    organization_id: &str,
) -> Result<Organization, OperatorError> {
    let id: OrganizationId =
        organization_id.parse().map_err(|_| OperatorError::MalformedId(organization_id.to_owned()))?;
    let organization =
        organizations.get(&id).await.map_err(OperatorError::unexpected)?.ok_or(OperatorError::NotFound(id))?;
    if organization.status() == OrganizationStatus::Deactivated {
        return Err(OperatorError::Deactivated(id));
    }
    Ok(organization)
}
