//! Finding a key the caller may see, and deciding whether it may change it.
//! Shared by get, update, rotate and revoke so the rules exist once.

use sesame_domain::ports::ApiKeyRepository;
use sesame_domain::{ApiKey, ApiKeyId, Forbidden, Principal, Scope};
use thiserror::Error;

use crate::support::validation::ValidationErrors;
use crate::Unexpected;
use crate::UnexpectedCause;

/// What can go wrong when reading or changing one existing key.
#[derive(Debug, Error)]
pub enum KeyManagementError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The change would grant scopes the caller does not hold, or the target
    /// key holds scopes the caller does not (a key never manages a more
    /// powerful key).
    #[error("a key cannot manage or grant scopes it does not hold")]
    Escalation { scopes: Vec<Scope> },
    /// No such key in the caller's organization and environment. Keys of
    /// other organizations are reported the same way: no existence oracle.
    #[error("no such API key")]
    NotFound,
    /// The key is revoked, and revoked keys cannot change.
    #[error("the API key is revoked")]
    Revoked,
    #[error("the operation failed")]
    Unexpected(#[from] Unexpected),
}

/// Parses `raw_id` and loads that key if `caller` holds `scope` and may see
/// it: same organization, same environment.
pub(crate) async fn load_visible(
    keys: &dyn ApiKeyRepository,
    caller: &Principal,
    raw_id: &str,
    scope: Scope,
) -> Result<ApiKey, KeyManagementError> {
    caller.require(scope)?;
    let id: ApiKeyId = raw_id.parse().map_err(|e| KeyManagementError::Validation(ValidationErrors::single("id", e)))?;
    let key = keys
        .get(&caller.organization_id, &id)
        .await
        .map_err(KeyManagementError::unexpected)?
        .ok_or(KeyManagementError::NotFound)?;
    if key.environment != caller.environment {
        return Err(KeyManagementError::NotFound);
    }
    Ok(key)
}

/// As [`load_visible`], for a change: a revoked key cannot change, and the
/// caller must be allowed to manage the key.
pub(crate) async fn load_changeable(
    keys: &dyn ApiKeyRepository,
    caller: &Principal,
    raw_id: &str,
    scope: Scope,
) -> Result<ApiKey, KeyManagementError> {
    let key = load_visible(keys, caller, raw_id, scope).await?;
    if key.revoked_at.is_some() {
        return Err(KeyManagementError::Revoked);
    }
    ensure_manageable(caller, &key)?;
    Ok(key)
}

/// A caller may change only keys whose scopes it holds itself.
pub(crate) fn ensure_manageable(caller: &Principal, key: &ApiKey) -> Result<(), KeyManagementError> {
    let beyond = caller.ungrantable(&key.scopes);
    if beyond.is_empty() {
        Ok(())
    } else {
        Err(KeyManagementError::Escalation { scopes: beyond })
    }
}
