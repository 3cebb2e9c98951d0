use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{ApiKeyRepository, Clock};
use sesame_domain::{Principal, Scope};

use super::key_management::{load_visible, KeyManagementError};
use super::view::ApiKeyView;

/// Reads one key of the caller's organization and environment.
#[derive(Clone, new)]
pub struct GetApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
}

impl GetApiKey {
    /// # Errors
    /// `Forbidden` without `api_keys.read`; `Validation` for a malformed id;
    /// `NotFound` for a key the caller may not see.
    pub async fn execute(&self, caller: &Principal, id: &str) -> Result<ApiKeyView, KeyManagementError> {
        let key = load_visible(self.keys.as_ref(), caller, id, Scope::ApiKeysRead).await?;
        Ok(ApiKeyView::at(key, self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockApiKeyRepository;
    use sesame_domain::Environment;

    #[tokio::test]
    async fn a_key_is_looked_up_inside_the_callers_organization() {
        let key = active_key();
        let id = key.id;
        let caller = principal(&["api_keys.read"]);
        let org = caller.organization_id;
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().withf(move |o, i| *o == org && *i == id).returning(move |_, _| Ok(Some(key.clone())));
        let found =
            GetApiKey::new(Arc::new(keys), Arc::new(fixed_clock())).execute(&caller, &id.to_string()).await.unwrap();
        assert_eq!(found.key.id, id);
        assert_eq!(found.status, sesame_domain::ApiKeyStatus::Active);
    }

    #[tokio::test]
    async fn a_key_of_another_environment_is_not_found() {
        let mut key = active_key();
        key.environment = Environment::Test;
        let id = key.id.to_string();
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(key.clone())));
        let err = GetApiKey::new(Arc::new(keys), Arc::new(fixed_clock()))
            .execute(&principal(&["api_keys.read"]), &id)
            .await
            .unwrap_err();
        assert!(matches!(err, KeyManagementError::NotFound));
    }

    #[tokio::test]
    async fn a_malformed_id_is_a_validation_error_naming_id() {
        let err = GetApiKey::new(Arc::new(MockApiKeyRepository::new()), Arc::new(fixed_clock()))
            .execute(&principal(&["api_keys.read"]), "key_123")
            .await
            .unwrap_err();
        assert!(matches!(err, KeyManagementError::Validation(v) if v.fields()[0].field == "id"));
    }

    #[tokio::test]
    async fn reading_needs_api_keys_read() {
        let err = GetApiKey::new(Arc::new(MockApiKeyRepository::new()), Arc::new(fixed_clock()))
            .execute(&principal(&["api_keys.create"]), "x")
            .await
            .unwrap_err();
        assert!(matches!(err, KeyManagementError::Forbidden(_)));
    }
}
