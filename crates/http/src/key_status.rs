//! A key's status as the responses show it.

use sesame_domain::{ApiKey, ApiKeyStatus};

/// The key's status at this instant. The one place the HTTP adapter reads
/// the clock: the status is to come from the use cases, which own the clock,
/// and this function is what that change replaces.
pub(crate) fn status_now(key: &ApiKey) -> ApiKeyStatus {
    key.status(chrono::Utc::now())
}
