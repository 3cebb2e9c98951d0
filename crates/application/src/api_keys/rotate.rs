use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use derive_new::new;
use sesame_domain::ports::{ApiKeyRepository, Clock};
use sesame_domain::{ApiKey, ApiKeyStatus, ApiToken, AuditAction, Principal, Scope};

use super::key_management::{load_changeable, KeyManagementError};
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit::ChangeBy;
use crate::support::secret_issuer::SecretIssuer;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;
/// The longest grace period a rotation may give the old secret (as Stripe's
/// "roll key" allows): 7 days.
pub const MAX_GRACE_PERIOD_SECS: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Default)]
pub struct RotateApiKeyCommand {
    /// How long the old secret keeps working; 0 or none stops it at once.
    pub grace_period_secs: Option<u64>,
}

/// A key's new secret, shown this once, and when the old one stops working.
#[derive(Debug, Clone)]
pub struct RotatedApiKey {
    pub key: ApiKey,
    /// Judged at the rotation's own instant.
    pub status: ApiKeyStatus,
    pub token: ApiToken,
    pub previous_secret_expires_at: DateTime<Utc>,
}

/// Issues a new secret for an existing key; the key keeps its id, scopes
/// and history.
#[derive(Clone, new)]
pub struct RotateApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    issuer: SecretIssuer,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}
impl RotateApiKey {
    /// # Errors
    /// `Forbidden` without `api_keys.update`; `NotFound`; `Revoked`;
    /// `Escalation` for a key holding scopes the caller lacks; `Validation`
    /// for a grace period over 7 days.
    #[tracing::instrument(name = "rotate_api_key", skip_all, fields(caller = %caller.actor))]
    pub async fn execute(
        &self,
        caller: &Principal,
        id: &str,
        command: RotateApiKeyCommand,
    ) -> Result<RotatedApiKey, KeyManagementError> {
        let before = load_changeable(self.keys.as_ref(), caller, id, Scope::ApiKeysUpdate).await?;
        let grace = command.grace_period_secs.unwrap_or(0);
        if grace > MAX_GRACE_PERIOD_SECS {
            return Err(KeyManagementError::Validation(ValidationErrors::single(
                "grace_period_seconds",
                format!("must be between 0 and {MAX_GRACE_PERIOD_SECS}"),
            )));
        }
        let now = self.clock.now();
        let previous_secret_expires_at = now + Duration::seconds(i64::try_from(grace).unwrap_or(i64::MAX));
        let (token, secret) =
            self.issuer.issue(before.kind, before.environment, now).await.map_err(KeyManagementError::unexpected)?;
        let mut key = before.clone();
        key.key_prefix = token.display_prefix();
        key.updated_at = Some(now);

        let event = ChangeBy { caller, at: now }.event(
            &key.id.to_string(),
            AuditAction::ApiKeyRotated,
            serde_json::json!({ "key_prefix": before.key_prefix }),
            serde_json::json!({
                "key_prefix": key.key_prefix,
                "previous_secret_expires_at": previous_secret_expires_at.to_rfc3339(),
            }),
        );
        self.keys
            .rotate(&key, &secret, previous_secret_expires_at, &event)
            .await
            .map_err(KeyManagementError::unexpected)?;
        // Cached entries of the old secret would outlive its grace period.
        self.cache.invalidate_key(key.id);
        Ok(RotatedApiKey { status: key.status(now), key, token, previous_secret_expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockApiKeyRepository;
    use sesame_domain::{LookupId, SecretBytes};

    fn use_case(keys: MockApiKeyRepository) -> RotateApiKey {
        let (issuer, clock) = (issuer_minting([9; 16], [8; 32], "$argon2id$new"), fixed_clock());
        RotateApiKey::new(Arc::new(keys), issuer, Arc::new(clock), test_cache())
    }

    fn repo_with(target: ApiKey) -> MockApiKeyRepository {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(target.clone())));
        keys
    }

    #[tokio::test]
    async fn the_old_secret_stops_at_once_by_default() {
        let target = unprivileged_key();
        let id = target.id.to_string();
        let mut keys = repo_with(target);
        keys.expect_rotate()
            .withf(|key, secret, expires, event| {
                *expires == now()
                    && secret.hash.as_str() == "$argon2id$new"
                    && key.key_prefix == secret_prefix()
                    && event.action == AuditAction::ApiKeyRotated
            })
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let rotated = use_case(keys)
            .execute(&principal(&["api_keys.update"]), &id, RotateApiKeyCommand::default())
            .await
            .unwrap();
        assert_eq!(rotated.previous_secret_expires_at, now());
    }

    fn secret_prefix() -> String {
        ApiToken::new(
            sesame_domain::KeyKind::Secret,
            sesame_domain::Environment::Live,
            LookupId::from_bytes([9; 16]),
            SecretBytes::from_bytes([8; 32]),
        )
        .display_prefix()
    }

    #[tokio::test]
    async fn a_grace_period_keeps_the_old_secret_until_it_ends() {
        let target = unprivileged_key();
        let id = target.id.to_string();
        let mut keys = repo_with(target);
        keys.expect_rotate().returning(|_, _, _, _| Ok(()));
        let cmd = RotateApiKeyCommand { grace_period_secs: Some(3600) };
        let rotated = use_case(keys).execute(&principal(&["api_keys.update"]), &id, cmd).await.unwrap();
        assert_eq!(rotated.previous_secret_expires_at, now() + Duration::hours(1));
    }

    #[tokio::test]
    async fn a_grace_period_over_7_days_is_rejected() {
        let target = unprivileged_key();
        let id = target.id.to_string();
        let mut keys = repo_with(target);
        keys.expect_rotate().never();
        let cmd = RotateApiKeyCommand { grace_period_secs: Some(MAX_GRACE_PERIOD_SECS + 1) };
        let err = use_case(keys).execute(&principal(&["api_keys.update"]), &id, cmd).await.unwrap_err();
        assert!(matches!(err, KeyManagementError::Validation(_)));
    }

    #[tokio::test]
    async fn a_revoked_key_cannot_be_rotated() {
        let mut target = unprivileged_key();
        target.revoked_at = Some(now());
        let id = target.id.to_string();
        let mut keys = repo_with(target);
        keys.expect_rotate().never();
        let err = use_case(keys)
            .execute(&principal(&["api_keys.update"]), &id, RotateApiKeyCommand::default())
            .await
            .unwrap_err();
        assert!(matches!(err, KeyManagementError::Revoked));
    }
}
