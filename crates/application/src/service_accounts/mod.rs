//! Service accounts: named non-human principals of an organization that keys
//! can belong to. Managing them takes the `api_keys.*` scopes: a service
//! account exists only to hold keys.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::json;
use sesame_domain::ports::{Clock, ServiceAccountRepository};
use sesame_domain::{
    ApiKey, AuditAction, Environment, Forbidden, KeyDescription, Principal, Scope, ScopeSet, ServiceAccount,
    ServiceAccountId, ServiceAccountName,
};
use thiserror::Error;

use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit;
use crate::support::listing::{ListError, Page, PageRequest};
use crate::support::validation::ValidationErrors;
use crate::Unexpected;

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
    Unexpected(#[source] Unexpected),
}

/// A deleted service account and the keys revoked with it.
#[derive(Debug, Clone)]
pub struct DeletedServiceAccount {
    pub account: ServiceAccount,
    pub revoked_keys: Vec<ApiKey>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateServiceAccountCommand {
    pub name: Option<String>,
    pub description: Option<String>,
    pub request_ip: Option<IpAddr>,
}

/// Creates, reads and lists the service accounts of the caller's organization.
#[derive(Clone)]
pub struct ServiceAccounts {
    accounts: Arc<dyn ServiceAccountRepository>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}

fn snapshot(account: &ServiceAccount) -> serde_json::Value {
    json!({ "name": account.name.as_str(), "description": account.description.as_str() })
}

impl ServiceAccounts {
    pub fn new(accounts: Arc<dyn ServiceAccountRepository>, clock: Arc<dyn Clock>, cache: VerifiedKeyCache) -> Self {
        Self { accounts, clock, cache }
    }

    /// # Errors
    /// `Forbidden` without `api_keys.create`; `Validation` naming each bad field.
    pub async fn create(
        &self,
        caller: &Principal,
        command: CreateServiceAccountCommand,
    ) -> Result<ServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysCreate)?;
        let mut errors = ValidationErrors::new();
        let name = match command.name.as_deref() {
            Some(raw) => errors.check("name", ServiceAccountName::parse(raw)),
            None => {
                errors.add("name", "is required");
                None
            }
        };
        let description =
            errors.check("description", KeyDescription::parse(command.description.as_deref().unwrap_or_default()));
        let (Some(name), Some(description)) = (name, description) else {
            return Err(ServiceAccountError::Validation(errors));
        };
        let now = self.clock.now();
        let account = ServiceAccount {
            id: ServiceAccountId::generate(),
            organization_id: caller.organization_id,
            name,
            description,
            created_by: caller.actor.clone(),
            created_at: now,
            deleted_at: None,
        };
        let target = account.id.to_string();
        let event = audit::change(
            caller,
            command.request_ip,
            now,
            &target,
            AuditAction::ServiceAccountCreated,
            &serde_json::Value::Null,
            &snapshot(&account),
        );
        self.accounts.insert(&account, &event).await.map_err(|e| ServiceAccountError::Unexpected(Box::new(e)))?;
        Ok(account)
    }

    /// # Errors
    /// `Forbidden` without `api_keys.read`; `NotFound` for a malformed id or
    /// one of another organization.
    pub async fn get(&self, caller: &Principal, id: &str) -> Result<ServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysRead)?;
        self.find(caller, id).await
    }

    /// Deletes the account and revokes every key it still holds, at once and
    /// in one transaction: offboarding a service is one call. The caller
    /// must be able to revoke each of those keys itself (same environment,
    /// scopes it holds), so deleting is no way around the revoke rules.
    /// Deleting a deleted account changes nothing.
    ///
    /// # Errors
    /// `Forbidden` without `api_keys.delete`; `NotFound`; `KeysElsewhere`;
    /// `Escalation`.
    pub async fn delete(
        &self,
        caller: &Principal,
        id: &str,
        request_ip: Option<IpAddr>,
    ) -> Result<DeletedServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysDelete)?;
        let before = self.find(caller, id).await?;
        if before.deleted_at.is_some() {
            return Ok(DeletedServiceAccount { account: before, revoked_keys: Vec::new() });
        }
        let keys = self
            .accounts
            .active_keys(&caller.organization_id, &before.id)
            .await
            .map_err(|e| ServiceAccountError::Unexpected(Box::new(e)))?;
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
        let mut events = vec![audit::change(
            caller,
            request_ip,
            now,
            &target,
            AuditAction::ServiceAccountDeleted,
            &json!({ "deleted_at": null }),
            &json!({ "deleted_at": now.to_rfc3339() }),
        )];
        let revoked_keys: Vec<ApiKey> = keys
            .into_iter()
            .map(|key| {
                let revoked = ApiKey { revoked_at: Some(now), updated_at: Some(now), ..key.clone() };
                events.push(audit::change(
                    caller,
                    request_ip,
                    now,
                    &revoked.id.to_string(),
                    AuditAction::ApiKeyRevoked,
                    &audit::key_snapshot(&key),
                    &audit::key_snapshot(&revoked),
                ));
                revoked
            })
            .collect();
        self.accounts
            .delete(&account, &revoked_keys, &events)
            .await
            .map_err(|e| ServiceAccountError::Unexpected(Box::new(e)))?;
        for key in &revoked_keys {
            self.cache.invalidate_key(key.id);
        }
        tracing::info!(service_account = %account.id, revoked = revoked_keys.len(), "service account deleted");
        Ok(DeletedServiceAccount { account, revoked_keys })
    }

    async fn find(&self, caller: &Principal, id: &str) -> Result<ServiceAccount, ServiceAccountError> {
        let id: ServiceAccountId = id.parse().map_err(|_| ServiceAccountError::NotFound)?;
        self.accounts
            .get(&caller.organization_id, &id)
            .await
            .map_err(|e| ServiceAccountError::Unexpected(Box::new(e)))?
            .ok_or(ServiceAccountError::NotFound)
    }

    /// Newest first, by keyset pagination.
    ///
    /// # Errors
    /// `Forbidden` without `api_keys.read`; `Validation` for a bad limit or cursor.
    pub async fn list(
        &self,
        caller: &Principal,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Page<ServiceAccount>, ListError> {
        caller.require(Scope::ApiKeysRead)?;
        let PageRequest { limit, after } = PageRequest::parse_alone(limit, cursor)?;
        let items = self
            .accounts
            .list(&caller.organization_id, after, limit)
            .await
            .map_err(|e| ListError::Unexpected(Box::new(e)))?;
        Ok(Page::new(items, limit, |a| a.id.uuid()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockServiceAccountRepository;

    fn use_case(accounts: MockServiceAccountRepository) -> ServiceAccounts {
        ServiceAccounts::new(Arc::new(accounts), Arc::new(fixed_clock()), test_cache())
    }

    #[tokio::test]
    async fn a_service_account_is_created_in_the_callers_organization_with_an_audit_event() {
        let mut accounts = MockServiceAccountRepository::new();
        accounts
            .expect_insert()
            .withf(|account, event| {
                account.organization_id == organization_id()
                    && account.name.as_str() == "billing-worker"
                    && event.action == AuditAction::ServiceAccountCreated
                    && event.target_id == account.id.to_string()
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let caller = principal(&["api_keys.create"]);
        let command = CreateServiceAccountCommand { name: Some(" billing-worker ".into()), ..Default::default() };
        let account = use_case(accounts).create(&caller, command).await.unwrap();
        assert_eq!(account.created_by, caller.actor.clone());
    }

    #[tokio::test]
    async fn creating_a_service_account_needs_api_keys_create() {
        let err = use_case(MockServiceAccountRepository::new())
            .create(&principal(&["api_keys.read"]), CreateServiceAccountCommand::default())
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::Forbidden(f) if f.missing == Scope::ApiKeysCreate));
    }

    #[tokio::test]
    async fn a_service_account_without_a_name_is_rejected_naming_the_field() {
        let err = use_case(MockServiceAccountRepository::new())
            .create(&principal(&["api_keys.create"]), CreateServiceAccountCommand::default())
            .await
            .unwrap_err();
        let ServiceAccountError::Validation(errors) = err else { panic!("expected a validation error") };
        assert_eq!(errors.fields()[0].field, "name");
    }

    #[tokio::test]
    async fn a_malformed_service_account_id_is_not_found_without_a_read() {
        let err = use_case(MockServiceAccountRepository::new())
            .get(&principal(&["api_keys.read"]), "svc_nope")
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::NotFound));
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
            use_case(accounts).delete(&principal(&["api_keys.delete"]), &account.id.to_string(), None).await.unwrap();
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
        let err = use_case(accounts)
            .delete(&principal(&["api_keys.delete"]), &account.id.to_string(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::KeysElsewhere { environment: Environment::Test, count: 1 }));
    }

    #[tokio::test]
    async fn deleting_cannot_revoke_keys_holding_scopes_the_caller_lacks() {
        let account = stored_account(false);
        let mut accounts = holding(account.clone(), vec![active_key()]);
        accounts.expect_delete().never();
        let err = use_case(accounts)
            .delete(&principal(&["api_keys.delete"]), &account.id.to_string(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::Escalation { .. }));
    }

    #[tokio::test]
    async fn deleting_needs_api_keys_delete_and_a_deleted_account_stays_as_it_is() {
        let err = use_case(MockServiceAccountRepository::new())
            .delete(&principal(&["api_keys.create"]), "svc_x", None)
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::Forbidden(f) if f.missing == Scope::ApiKeysDelete));

        let account = stored_account(true);
        let mut accounts = MockServiceAccountRepository::new();
        let stored = account.clone();
        accounts.expect_get().returning(move |_, _| Ok(Some(stored.clone())));
        accounts.expect_delete().never();
        let deleted =
            use_case(accounts).delete(&principal(&["api_keys.delete"]), &account.id.to_string(), None).await.unwrap();
        assert_eq!(deleted.account, account);
        assert!(deleted.revoked_keys.is_empty());
    }
}
