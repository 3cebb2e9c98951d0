//! What can go wrong with one service account, and finding one the caller
//! may see: shared by get and delete.

use sesame_domain::ports::ServiceAccountRepository;
use sesame_domain::{Environment, Forbidden, Principal, Scope, ServiceAccount, ServiceAccountId};
use thiserror::Error;

use crate::support::validation::ValidationErrors;
use crate::Unexpected;
use crate::UnexpectedCause;

#[derive(Debug, Error)]
pub enum ServiceAccountError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such service account in the caller's organization.
    #[error("no such service account")]
    NotFound,
    /// The account is deleted; no key may join it.
    #[error("the service account is deleted")]
    Deleted,
    /// Deleting would revoke keys the caller may not manage: keys of the
    /// other environment, which it cannot see.
    #[error("the service account still holds {count} active {environment} key(s); revoke them with a {environment} key first")]
    KeysElsewhere { environment: Environment, count: usize },
    /// Deleting would revoke keys holding scopes the caller lacks.
    #[error("the service account's keys hold scopes the caller does not")]
    Escalation { scopes: Vec<Scope> },
    #[error("the service account operation failed")]
    Unexpected(#[from] Unexpected),
}

/// The service account `raw_id` names in the caller's organization. A
/// malformed id is not found, like any other id the caller cannot see.
pub(crate) async fn find(
    accounts: &dyn ServiceAccountRepository,
    caller: &Principal,
    raw_id: &str,
) -> Result<ServiceAccount, ServiceAccountError> {
    let id: ServiceAccountId = raw_id.parse().map_err(|_| ServiceAccountError::NotFound)?;
    accounts
        .get(&caller.organization_id, &id)
        .await
        .map_err(ServiceAccountError::unexpected)?
        .ok_or(ServiceAccountError::NotFound)
}
