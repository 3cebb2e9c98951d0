//! Service accounts: named non-human principals of an organization that keys
//! can belong to. Managing them takes the `api_keys.*` scopes: a service
//! account exists only to hold keys.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::json;
use sesame_domain::ports::{Clock, ServiceAccountRepository};
use sesame_domain::{
    AuditAction, Forbidden, KeyDescription, Principal, Scope, ServiceAccount, ServiceAccountId, ServiceAccountName,
};
use thiserror::Error;

use crate::paging::{parse_page, ListError, Page};
use crate::{audit, Unexpected, ValidationErrors};

#[derive(Debug, Error)]
pub enum ServiceAccountError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such service account in the caller's organization.
    #[error("no such service account")]
    NotFound,
    #[error("the service account operation failed")]
    Unexpected(#[source] Unexpected),
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
}

fn snapshot(account: &ServiceAccount) -> serde_json::Value {
    json!({ "name": account.name.as_str(), "description": account.description.as_str() })
}

impl ServiceAccounts {
    pub fn new(accounts: Arc<dyn ServiceAccountRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { accounts, clock }
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
            created_by: caller.actor(),
            created_at: now,
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
        let mut errors = ValidationErrors::new();
        let (limit, cursor) = parse_page(&mut errors, limit, cursor);
        let (Some(limit), Some(after)) = (limit, cursor) else {
            return Err(ListError::Validation(errors));
        };
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
        ServiceAccounts::new(Arc::new(accounts), Arc::new(fixed_clock()))
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
        assert_eq!(account.created_by, caller.actor());
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
}
