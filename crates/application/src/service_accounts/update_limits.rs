use std::sync::Arc;

use derive_new::new;
use serde_json::json;
use sesame_domain::ports::{Clock, CreditChange, CreditLedger, ServiceAccountRepository};
use sesame_domain::{AuditAction, LimitSubject, Principal, Scope, ServiceAccount};

use super::service_account_error::{find, ServiceAccountError};
use crate::api_keys::Change;
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::limits::input as limit_fields;
use crate::limits::snapshot;
use crate::limits::{CreditsInput, RateLimitInput};
use crate::support::audit::ChangeBy;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;

/// New limits for a service account, as received; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct UpdateServiceAccountLimitsCommand {
    /// Replaces the rate limits; an empty list removes them.
    pub rate_limits: Option<Vec<RateLimitInput>>,
    /// `Set` replaces the credits and their balance; `Clear` removes them.
    pub credits: Change<CreditsInput>,
}

fn limits_snapshot(account: &ServiceAccount) -> serde_json::Value {
    json!({
        "rate_limits": snapshot::rate_limits(&account.limits.rate_limits),
        "credits": snapshot::credits(account.limits.credits.as_ref()),
    })
}

/// Changes the rate limits and credits a service account shares among its
/// keys. Requires `api_keys.update`; the account's cached keys are
/// invalidated so that every instance applies the new limits at once.
#[derive(Clone, new)]
pub struct UpdateServiceAccountLimits {
    accounts: Arc<dyn ServiceAccountRepository>,
    credits: Arc<dyn CreditLedger>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}

impl UpdateServiceAccountLimits {
    /// # Errors
    /// `Forbidden` without `api_keys.update`; `NotFound`; `Deleted`;
    /// `Validation` naming each bad field, or `body` when nothing is to change.
    pub async fn execute(
        &self,
        caller: &Principal,
        id: &str,
        command: UpdateServiceAccountLimitsCommand,
    ) -> Result<ServiceAccount, ServiceAccountError> {
        caller.require(Scope::ApiKeysUpdate)?;
        let before = find(self.accounts.as_ref(), caller, id).await?;
        if before.deleted_at.is_some() {
            return Err(ServiceAccountError::Deleted);
        }
        if command.rate_limits.is_none() && command.credits == Change::Keep {
            let err = ValidationErrors::single("body", "must set at least one of rate_limits, credits");
            return Err(ServiceAccountError::Validation(err));
        }
        let mut errors = ValidationErrors::new();
        let rate_limits = command.rate_limits.as_deref().map(|raw| limit_fields::rate_limits(&mut errors, raw));
        let credits = match &command.credits {
            Change::Keep => Some(Change::Keep),
            Change::Clear => Some(Change::Clear),
            Change::Set(raw) => limit_fields::credits(&mut errors, raw).map(Change::Set),
        };
        errors.into_result().map_err(ServiceAccountError::Validation)?;
        let mut account = before.clone();
        if let Some(Some(rate_limits)) = rate_limits {
            account.limits.rate_limits = rate_limits;
        }
        let new_balance = match credits {
            Some(Change::Set(credits)) => {
                account.limits.credits = Some(credits);
                Some(credits)
            }
            Some(Change::Clear) => {
                account.limits.credits = None;
                None
            }
            _ => None,
        };

        let now = self.clock.now();
        let target = account.id.to_string();
        let event = ChangeBy { caller, at: now }.of(
            &target,
            AuditAction::ServiceAccountUpdated,
            &limits_snapshot(&before),
            &limits_snapshot(&account),
        );
        self.accounts.update_limits(&account, &event).await.map_err(ServiceAccountError::unexpected)?;
        if let Some(credits) = new_balance {
            let period = credits.refill.map_or(now, |r| r.last_boundary(now));
            self.credits
                .change(LimitSubject::ServiceAccount(account.id), CreditChange::Set(credits.remaining), period, None)
                .await
                .map_err(ServiceAccountError::unexpected)?;
        }
        // Every key of the account carries its limits in the cache.
        let keys = self
            .accounts
            .active_keys(&caller.organization_id, &account.id)
            .await
            .map_err(ServiceAccountError::unexpected)?;
        for key in &keys {
            self.cache.invalidate_key(key.id);
        }
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::{MockCreditLedger, MockServiceAccountRepository};
    use sesame_domain::{KeyDescription, ServiceAccountId, ServiceAccountName, UsageLimits};

    fn account() -> ServiceAccount {
        ServiceAccount {
            id: ServiceAccountId::generate(),
            organization_id: organization_id(),
            name: ServiceAccountName::parse("customer").unwrap(),
            description: KeyDescription::default(),
            created_by: sesame_domain::Actor::bootstrap(),
            created_at: now(),
            deleted_at: None,
            limits: UsageLimits::default(),
        }
    }

    #[tokio::test]
    async fn new_limits_are_written_with_an_audit_event_and_the_balance_set() {
        let stored = account();
        let mut accounts = MockServiceAccountRepository::new();
        accounts.expect_get().returning(move |_, _| Ok(Some(stored.clone())));
        accounts
            .expect_update_limits()
            .withf(|a, e| a.limits.rate_limits.as_slice().len() == 1 && e.action == AuditAction::ServiceAccountUpdated)
            .times(1)
            .returning(|_, _| Ok(()));
        accounts.expect_active_keys().returning(|_, _| Ok(vec![active_key()]));
        let mut ledger = MockCreditLedger::new();
        ledger
            .expect_change()
            .withf(|_, change, _, _| *change == CreditChange::Set(500))
            .times(1)
            .returning(|_, _, _, _| Ok(Some(500)));
        let use_case = UpdateServiceAccountLimits::new(
            Arc::new(accounts),
            Arc::new(ledger),
            Arc::new(fixed_clock()),
            test_cache(),
        );
        let command = UpdateServiceAccountLimitsCommand {
            rate_limits: Some(vec![RateLimitInput { name: "shared".into(), limit: 10, duration_seconds: 60 }]),
            credits: Change::Set(CreditsInput { remaining: 500, refill: None }),
        };
        let updated = use_case.execute(&principal(&["api_keys.update"]), &account().id.to_string(), command).await;
        assert!(updated.is_ok(), "{updated:?}");
    }
}
