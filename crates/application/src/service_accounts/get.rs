use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::ServiceAccountRepository;
use sesame_domain::{Principal, Scope, ServiceAccount};

use super::service_account_error::{find, ServiceAccountError};

/// Reads one service account of the caller's organization. Its keys are
/// listed by `ListApiKeys` with `service_account_id`.
#[derive(Clone, new)]
pub struct GetServiceAccount {
    accounts: Arc<dyn ServiceAccountRepository>,
}

impl GetServiceAccount {
    /// # Errors
    /// `Forbidden` without `api_keys.read`; `NotFound` for a malformed id or
    /// one of another organization.
    pub async fn execute(&self, caller: &Principal, id: &str) -> Result<ServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysRead)?;
        find(self.accounts.as_ref(), caller, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockServiceAccountRepository;

    #[tokio::test]
    async fn a_malformed_service_account_id_is_not_found_without_a_read() {
        let err = GetServiceAccount::new(Arc::new(MockServiceAccountRepository::new()))
            .execute(&principal(&["api_keys.read"]), "svc_nope")
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::NotFound));
    }
}
