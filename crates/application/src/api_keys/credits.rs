use std::sync::Arc;

use derive_new::new;
use serde_json::json;
use sesame_domain::ports::{ApiKeyRepository, Clock, CreditChange, CreditLedger};
use sesame_domain::{ApiKeyId, AuditAction, LimitSubject, Principal, Scope};

use super::key_management::{load_changeable, KeyManagementError};
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::limits::input::MAX_CREDITS;
use crate::support::audit::ChangeBy;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;

/// A change of a key's credit balance, as received.
#[derive(Debug, Clone, Default)]
pub struct ChangeCreditsCommand {
    /// `set`, `increment` or `decrement`.
    pub op: Option<String>,
    pub amount: Option<i64>,
}

impl ChangeCreditsCommand {
    /// # Errors
    /// A missing or unknown `op`, an `amount` outside 0 to [`MAX_CREDITS`].
    pub fn parse(&self) -> Result<CreditChange, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let amount = match self.amount {
            None => {
                errors.add("amount", "is required");
                None
            }
            Some(raw) => errors.check(
                "amount",
                u64::try_from(raw)
                    .ok()
                    .filter(|a| i64::try_from(*a).is_ok_and(|a| a <= MAX_CREDITS))
                    .ok_or(format!("must be a whole number from 0 to {MAX_CREDITS}")),
            ),
        };
        let op = match self.op.as_deref() {
            None => {
                errors.add("op", "is required");
                None
            }
            Some(raw @ ("set" | "increment" | "decrement")) => Some(raw),
            Some(_) => {
                errors.add("op", "must be `set`, `increment` or `decrement`");
                None
            }
        };
        errors.finish(|| {
            let amount = amount?;
            Some(match op? {
                "set" => CreditChange::Set(amount),
                "increment" => CreditChange::Increment(amount),
                _ => CreditChange::Decrement(amount),
            })
        })
    }
}

/// A key's balance after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditBalanceView {
    pub key_id: ApiKeyId,
    pub remaining: u64,
}

/// Sets, increments or decrements a key's credits (decrement stops at 0),
/// in one atomic statement with its audit event. Needs `api_keys.update` and
/// the right to manage the key; `set` also gives credits to a key without.
#[derive(Clone, new)]
pub struct ChangeApiKeyCredits {
    keys: Arc<dyn ApiKeyRepository>,
    credits: Arc<dyn CreditLedger>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
}

impl ChangeApiKeyCredits {
    /// # Errors
    /// `Forbidden`; `NotFound`; `Revoked`; `Escalation`; `Validation` for a
    /// bad op or amount, or an increment or decrement of a key without credits.
    #[tracing::instrument(name = "change_api_key_credits", skip_all, fields(caller = %caller.actor, id))]
    pub async fn execute(
        &self,
        caller: &Principal,
        id: &str,
        command: ChangeCreditsCommand,
    ) -> Result<CreditBalanceView, KeyManagementError> {
        let key = load_changeable(self.keys.as_ref(), caller, id, Scope::ApiKeysUpdate).await?;
        let change = command.parse().map_err(KeyManagementError::Validation)?;
        let now = self.clock.now();
        let (op, amount) = match change {
            CreditChange::Set(n) => ("set", n),
            CreditChange::Increment(n) => ("increment", n),
            CreditChange::Decrement(n) => ("decrement", n),
        };
        let before = json!({ "credits": key.limits.credits.map(|c| c.remaining) });
        let after = json!({ "credits": { "op": op, "amount": amount } });
        let event =
            ChangeBy { caller, at: now }.event(&key.id.to_string(), AuditAction::ApiKeyCreditsChanged, before, after);
        let period = key.limits.credits.and_then(|c| c.refill).map_or(now, |r| r.last_boundary(now));
        let remaining = self
            .credits
            .change(LimitSubject::ApiKey(key.id), change, period, Some(event))
            .await
            .map_err(KeyManagementError::unexpected)?
            .ok_or_else(|| {
                KeyManagementError::Validation(ValidationErrors::single(
                    "op",
                    "the key has no credits: `set` them first",
                ))
            })?;
        // A key that gained credits must stop being served from a cache
        // that knows it as unlimited.
        self.cache.invalidate_key(key.id);
        Ok(CreditBalanceView { key_id: key.id, remaining })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_op_and_a_negative_amount_are_named() {
        let cmd = ChangeCreditsCommand { op: Some("double".into()), amount: Some(-1) };
        let err = cmd.parse().unwrap_err();
        let fields: Vec<&str> = err.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["amount", "op"]);
    }
}
