use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{ApiKeyRepository, Clock};
use sesame_domain::{AuditAction, Principal, Scope};

use super::key_management::{ensure_manageable, load_visible, KeyManagementError};
use super::view::ApiKeyView;
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit::ChangeBy;
use crate::UnexpectedCause;

/// Revokes a key: it stops authenticating and verifying at once, and stays
/// readable with `revoked_at` set. Revoking a revoked key changes nothing.
#[derive(Clone, new)]
pub struct RevokeApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}

impl RevokeApiKey {
    /// # Errors
    /// `Forbidden` without `api_keys.delete`; `NotFound`; `Escalation` for a
    /// key holding scopes the caller lacks.
    #[tracing::instrument(name = "revoke_api_key", skip_all, fields(caller = %caller.actor))]
    pub async fn execute(&self, caller: &Principal, id: &str) -> Result<ApiKeyView, KeyManagementError> {
        let before = load_visible(self.keys.as_ref(), caller, id, Scope::ApiKeysDelete).await?;
        let now = self.clock.now();
        if before.revoked_at.is_some() {
            return Ok(ApiKeyView::at(before, now));
        }
        ensure_manageable(caller, &before)?;
        let mut key = before.clone();
        key.revoked_at = Some(now);
        key.updated_at = Some(now);
        let event = ChangeBy { caller, at: now }.key(AuditAction::ApiKeyRevoked, &before, &key);
        let revoked_here = self.keys.revoke(&key, &event).await.map_err(KeyManagementError::unexpected)?;
        self.cache.invalidate_key(key.id);
        if !revoked_here {
            // A concurrent revocation won; answer with the key as it stored it.
            let stored = load_visible(self.keys.as_ref(), caller, id, Scope::ApiKeysDelete).await?;
            return Ok(ApiKeyView::at(stored, now));
        }
        tracing::info!(key_id = %key.id, "api key revoked");
        Ok(ApiKeyView::at(key, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockApiKeyRepository;

    fn use_case(keys: MockApiKeyRepository) -> RevokeApiKey {
        let clock = fixed_clock();
        RevokeApiKey::new(Arc::new(keys), Arc::new(clock), test_cache())
    }

    #[tokio::test]
    async fn revoking_sets_revoked_at_and_writes_an_audit_event() {
        let target = unprivileged_key();
        let id = target.id.to_string();
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(target.clone())));
        keys.expect_revoke()
            .withf(|key, event| key.revoked_at == Some(now()) && event.action == AuditAction::ApiKeyRevoked)
            .times(1)
            .returning(|_, _| Ok(true));
        let revoked = use_case(keys).execute(&principal(&["api_keys.delete"]), &id).await.unwrap();
        assert_eq!(revoked.key.revoked_at, Some(now()));
        assert_eq!(revoked.status, sesame_domain::ApiKeyStatus::Revoked);
    }

    #[tokio::test]
    async fn the_audit_event_records_the_address_the_principal_called_from() {
        let target = unprivileged_key();
        let id = target.id.to_string();
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(target.clone())));
        keys.expect_revoke()
            .withf(|_, event| event.ip.as_deref() == Some("203.0.113.7"))
            .times(1)
            .returning(|_, _| Ok(true));
        let caller = Principal { ip: Some("203.0.113.7".parse().unwrap()), ..principal(&["api_keys.delete"]) };
        use_case(keys).execute(&caller, &id).await.unwrap();
    }

    #[tokio::test]
    async fn revoking_twice_is_not_an_error_and_writes_nothing() {
        let mut target = unprivileged_key();
        target.revoked_at = Some(now() - chrono::Duration::days(1));
        let id = target.id.to_string();
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(target.clone())));
        keys.expect_revoke().never();
        let again = use_case(keys).execute(&principal(&["api_keys.delete"]), &id).await.unwrap();
        assert_eq!(again.key.revoked_at, Some(now() - chrono::Duration::days(1)));
    }

    #[tokio::test]
    async fn revoking_needs_api_keys_delete() {
        let err = use_case(MockApiKeyRepository::new())
            .execute(&principal(&["api_keys.update"]), "api_key_x")
            .await
            .unwrap_err();
        assert!(matches!(err, KeyManagementError::Forbidden(_)));
    }

    #[tokio::test]
    async fn a_revocation_that_lost_a_race_answers_with_the_stored_key() {
        let target = unprivileged_key();
        let id = target.id.to_string();
        let stored = sesame_domain::ApiKey { revoked_at: Some(now() - chrono::Duration::seconds(1)), ..target.clone() };
        let mut keys = MockApiKeyRepository::new();
        let mut reads = mockall::Sequence::new();
        keys.expect_get().times(1).in_sequence(&mut reads).return_once(move |_, _| Ok(Some(target)));
        keys.expect_revoke().times(1).in_sequence(&mut reads).returning(|_, _| Ok(false));
        keys.expect_get().times(1).in_sequence(&mut reads).return_once(move |_, _| Ok(Some(stored)));
        let answer = use_case(keys).execute(&principal(&["api_keys.delete"]), &id).await.unwrap();
        assert_eq!(answer.key.revoked_at, Some(now() - chrono::Duration::seconds(1)));
        assert_eq!(answer.status, sesame_domain::ApiKeyStatus::Revoked);
    }
}
