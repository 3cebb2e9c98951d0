use std::sync::Arc;

use derive_new::new;
use serde_json::json;
use sesame_domain::ports::{Clock, ServiceAccountRepository};
use sesame_domain::{
    AuditAction, KeyDescription, Principal, Scope, ServiceAccount, ServiceAccountId, ServiceAccountName, UsageLimits,
};

use super::service_account_error::ServiceAccountError;
use crate::limits::input as limit_fields;
use crate::limits::snapshot;
use crate::limits::{CreditsInput, RateLimitInput};
use crate::support::audit::ChangeBy;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;

/// A service account as a client asks for it.
#[derive(Debug, Clone, Default)]
pub struct CreateServiceAccountCommand {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Rate limits shared by all the account's keys.
    pub rate_limits: Option<Vec<RateLimitInput>>,
    /// Credits shared by all the account's keys.
    pub credits: Option<CreditsInput>,
}

/// A parsed [`CreateServiceAccountCommand`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewServiceAccount {
    pub name: ServiceAccountName,
    pub description: KeyDescription,
    pub limits: UsageLimits,
}

impl CreateServiceAccountCommand {
    /// # Errors
    /// Each bad field, named.
    pub fn parse(&self) -> Result<NewServiceAccount, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = match self.name.as_deref() {
            Some(raw) => errors.check("name", ServiceAccountName::parse(raw)),
            None => {
                errors.add("name", "is required");
                None
            }
        };
        let description =
            errors.check("description", KeyDescription::parse(self.description.as_deref().unwrap_or_default()));
        let limits = limit_fields::usage_limits(&mut errors, self.rate_limits.as_deref(), self.credits.as_ref());
        errors.finish(|| Some(NewServiceAccount { name: name?, description: description?, limits: limits? }))
    }
}

fn snapshot(account: &ServiceAccount) -> serde_json::Value {
    json!({
        "name": account.name.as_str(),
        "description": account.description.as_str(),
        "rate_limits": snapshot::rate_limits(&account.limits.rate_limits),
        "credits": snapshot::credits(account.limits.credits.as_ref()),
    })
}

/// Creates a service account in the caller's organization. A service
/// account exists only to hold keys, so this takes `api_keys.create`.
#[derive(Clone, new)]
pub struct CreateServiceAccount {
    accounts: Arc<dyn ServiceAccountRepository>,
    clock: Arc<dyn Clock>,
}

impl CreateServiceAccount {
    /// # Errors
    /// `Forbidden` without `api_keys.create`; `Validation` naming each bad field.
    pub async fn execute(
        &self,
        caller: &Principal,
        command: CreateServiceAccountCommand,
    ) -> Result<ServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysCreate)?;
        let spec = command.parse().map_err(ServiceAccountError::Validation)?;
        let now = self.clock.now();
        let account = ServiceAccount {
            id: ServiceAccountId::generate(),
            organization_id: caller.organization_id,
            name: spec.name,
            description: spec.description,
            created_by: caller.actor.clone(),
            created_at: now,
            deleted_at: None,
            limits: spec.limits,
        };
        let target = account.id.to_string();
        let event = ChangeBy { caller, at: now }.of(
            &target,
            AuditAction::ServiceAccountCreated,
            &serde_json::Value::Null,
            &snapshot(&account),
        );
        self.accounts.insert(&account, &event).await.map_err(ServiceAccountError::unexpected)?;
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockServiceAccountRepository;

    fn use_case(accounts: MockServiceAccountRepository) -> CreateServiceAccount {
        CreateServiceAccount::new(Arc::new(accounts), Arc::new(fixed_clock()))
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
        let account = use_case(accounts).execute(&caller, command).await.unwrap();
        assert_eq!(account.created_by, caller.actor.clone());
    }

    #[tokio::test]
    async fn creating_a_service_account_needs_api_keys_create() {
        let err = use_case(MockServiceAccountRepository::new())
            .execute(&principal(&["api_keys.read"]), CreateServiceAccountCommand::default())
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceAccountError::Forbidden(f) if f.missing == Scope::ApiKeysCreate));
    }

    #[tokio::test]
    async fn a_service_account_without_a_name_is_rejected_naming_the_field() {
        let err = use_case(MockServiceAccountRepository::new())
            .execute(&principal(&["api_keys.create"]), CreateServiceAccountCommand::default())
            .await
            .unwrap_err();
        let ServiceAccountError::Validation(errors) = err else { panic!("expected a validation error") };
        assert_eq!(errors.fields()[0].field, "name");
    }
}
