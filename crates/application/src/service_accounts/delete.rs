use std::sync::Arc;

use derive_new::new;
use serde_json::json;
use sesame_domain::ports::{Clock, ServiceAccountRepository};
use sesame_domain::{ApiKey, AuditAction, Principal, Scope, ScopeSet, ServiceAccount};

use super::service_account_error::{find, ServiceAccountError};
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit::ChangeBy;
use crate::UnexpectedCause;

/// A deleted service account and the keys revoked with it.
#[derive(Debug, Clone)]
pub struct DeletedServiceAccount {
    pub account: ServiceAccount,
    pub revoked_keys: Vec<ApiKey>,
}

/// Deletes a service account and revokes every key it still holds, at once
/// and in one transaction: offboarding a service is one call. The caller
/// must be able to revoke each of those keys itself (same environment,
/// scopes it holds), so deleting is no way around the revoke rules.
/// Deleting a deleted account changes nothing.
#[derive(Clone, new)]
pub struct DeleteServiceAccount {
    accounts: Arc<dyn ServiceAccountRepository>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}

impl DeleteServiceAccount {
    /// # Errors
    /// `Forbidden` without `api_keys.delete`; `NotFound`; `KeysElsewhere`;
    /// `Escalation`.
    pub async fn execute(&self, caller: &Principal, id: &str) -> Result<DeletedServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysDelete)?;
        let before = find(self.accounts.as_ref(), caller, id).await?;
        if before.deleted_at.is_some() {
            return Ok(DeletedServiceAccount { account: before, revoked_keys: Vec::new() });
        }
        let keys = self
            .accounts
            .active_keys(&caller.organization_id, &before.id)
            .await
            .map_err(ServiceAccountError::unexpected)?;
        let elsewhere = keys.iter().filter(|k| k.environment != caller.environment).count();
        if let Some(other) = keys.iter().find(|k| k.environment != caller.environment) {
            return Err(ServiceAccountError::KeysElsewhere { environment: other.environment, count: elsewhere });
        }
        let held: ScopeSet = keys.iter().flat_map(|k| k.scopes.iter()).collect();
        let beyond = caller.ungrantable(&held);
        if !beyond.is_empty() {
            return Err(ServiceAccountError::Escalation { scopes: beyond });
        }

        let now = self.clock.now();
        let account = ServiceAccount { deleted_at: Some(now), ..before.clone() };
        let target = account.id.to_string();
        let by = ChangeBy { caller, at: now };
        let mut events = vec![by.of(
            &target,
            AuditAction::ServiceAccountDeleted,
            &json!({ "deleted_at": null }),
            &json!({ "deleted_at": now.to_rfc3339() }),
        )];
        let revoked_keys: Vec<ApiKey> = keys
            .into_iter()
            .map(|key| {
                let revoked = ApiKey { revoked_at: Some(now), updated_at: Some(now), ..key.clone() };
                events.push(by.key(AuditAction::ApiKeyRevoked, &key, &revoked));
                revoked
            })
            .collect();
        self.accounts.delete(&account, &revoked_keys, &events).await.map_err(ServiceAccountError::unexpected)?;
        for key in &revoked_keys {
            self.cache.invalidate_key(key.id);
        }
        tracing::info!(service_account = %account.id, revoked = revoked_keys.len(), "service account deleted");
        Ok(DeletedServiceAccount { account, revoked_keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockServiceAccountRepository;
    use sesame_domain::{Environment, KeyDescription, ServiceAccountId, ServiceAccountName};

    fn use_case(accounts: MockServiceAccountRepository) -> DeleteServiceAccount {
        DeleteServiceAccount::new(Arc::new(accounts), Arc::new(fixed_clock()), test_cache())
    }

    fn stored_account(deleted: bool) -> ServiceAccount {
        ServiceAccount {
            id: ServiceAccountId::generate(),
            organization_id: organization_id(),
            name: ServiceAccountName::parse("billing-worker").unwrap(),
            description: KeyDescription::default(),
            created_by: sesame_domain::Actor::System { name: "test".into() },
            created_at: now(),
            deleted_at: deleted.then(now),
            limits: sesame_domain::UsageLimits::default(),
        }
    }

    fn holding(account: ServiceAccount, keys: Vec<ApiKey>) -> MockServiceAccountRepository {
        let mut accounts = MockServiceAccountRepository::new();
        accounts.expect_get().returning(move |_, _| Ok(Some(account.clone())));
        accounts.expect_active_keys().returning(move |_, _| Ok(keys.clone()));
        accounts
    }

    #[tokio::test]
    async fn deleting_a_service_account_revokes_its_keys_in_the_same_write() {
        let account = stored_account(false);
        let keys = vec![unprivileged_key(), unprivileged_key()];
        let mut accounts = holding(account.clone(), keys.clone());
        accounts
            .expect_delete()
            .withf(|account, revoked, events| {
                account.deleted_at == Some(now())
                    && revoked.len() == 2
                    && revoked.iter().all(|k| k.revoked_at == Some(now()))
                    && events.len() == 3
                    && events[0].action == AuditAction::ServiceAccountDeleted
                    && events[1..].iter().all(|e| e.action == AuditAction::ApiKeyRevoked)
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let deleted =
            use_case(accounts).execute(&principal(&["api_keys.delete"]), &account.id.to_string()).await.unwrap();
        assert_eq!(
            deleted.revoked_keys.iter().map(|k| k.id).collect::<Vec<_>>(),
            keys.iter().map(|k| k.id).collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn a_service_account_with_keys_in_the_other_environment_is_not_deleted() {
        let account = stored_account(false);
        let test_key = ApiKey { environment: Environment::Test, ..unprivileged_key() };
        let mut accounts = holding(account.clone(), vec![unprivileged_key(), test_key]);
        accounts.expect_delete().never();
        let err =
            use_case(accounts).execute(&principal(&["api_keys.delete"]), &account.id.to_string()).await.unwrap_err();
        assert!(matches!(err, ServiceAccountError::KeysElsewhere { environment: Environment::Test, count: 1 }));
    }

    #[tokio::test]
    async fn deleting_cannot_revoke_keys_holding_scopes_the_caller_lacks() {
        let account = stored_account(false);
        let mut accounts = holding(account.clone(), vec![active_key()]);
        accounts.expect_delete().never();
        let err =
            use_case(accounts).execute(&principal(&["api_keys.delete"]), &account.id.to_string()).await.unwrap_err();
        assert!(matches!(err, ServiceAccountError::Escalation { .. }));
    }

    #[tokio::test]
    async fn deleting_needs_api_keys_delete_and_a_deleted_account_stays_as_it_is() {
        let err = use_case(MockServiceAccountRepository::new())
            .execute(&principal(&["api_keys.create"]), "svc_x")
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::Forbidden(f) if f.missing == Scope::ApiKeysDelete));

        let account = stored_account(true);
        let mut accounts = MockServiceAccountRepository::new();
        let stored = account.clone();
        accounts.expect_get().returning(move |_, _| Ok(Some(stored.clone())));
        accounts.expect_delete().never();
        let deleted =
            use_case(accounts).execute(&principal(&["api_keys.delete"]), &account.id.to_string()).await.unwrap();
        assert_eq!(deleted.account, account);
        assert!(deleted.revoked_keys.is_empty());
    }
}
