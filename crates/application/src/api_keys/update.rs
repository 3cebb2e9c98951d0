use std::sync::Arc;

use chrono::{DateTime, Utc};
use derive_new::new;
use sesame_domain::ports::{ApiKeyRepository, Clock, CreditChange, CreditLedger};
use sesame_domain::{
    ApiKey, AuditAction, Credits, ExpiresAt, IpAllowList, KeyDescription, KeyKind, KeyLabel, LimitSubject, Metadata,
    Principal, RateLimits, Scope, ScopeSet,
};

use super::fields as key_fields;
use super::key_management::{load_changeable, KeyManagementError};
use super::view::ApiKeyView;
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::limits::input as limit_fields;
use crate::limits::{CreditsInput, RateLimitInput};
use crate::support::audit::ChangeBy;
use crate::support::validation::ValidationErrors;
use crate::UnexpectedCause;
/// A field that may be kept, removed (JSON `null`) or set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    fn is_keep(&self) -> bool {
        matches!(self, Change::Keep)
    }
}

/// The fields to change, as received; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateApiKeyCommand {
    pub label: Option<String>,
    pub description: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub ip_allow_list: Option<Vec<String>>,
    /// `Clear` removes the expiry; `Set` takes a time as [`CreateApiKeyCommand`](super::CreateApiKeyCommand) does.
    pub expires_at: Change<String>,
    pub metadata: Option<serde_json::Value>,
    /// Replaces the key's rate limits; an empty list removes them.
    pub rate_limits: Option<Vec<RateLimitInput>>,
    /// `Set` replaces the credits and their balance; `Clear` removes them.
    pub credits: Change<CreditsInput>,
}

/// The parsed changes to one key; `None` (or `Keep`) leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    pub label: Option<KeyLabel>,
    pub description: Option<KeyDescription>,
    pub scopes: Option<ScopeSet>,
    pub ip_allow_list: Option<IpAllowList>,
    pub expires_at: Change<ExpiresAt>,
    pub metadata: Option<Metadata>,
    pub rate_limits: Option<RateLimits>,
    pub credits: Change<Credits>,
}

impl KeyChanges {
    /// `key` with these changes applied.
    pub fn apply(self, mut key: ApiKey) -> ApiKey {
        key.label = self.label.unwrap_or(key.label);
        key.description = self.description.unwrap_or(key.description);
        key.scopes = self.scopes.unwrap_or(key.scopes);
        key.ip_allow_list = self.ip_allow_list.unwrap_or(key.ip_allow_list);
        key.metadata = self.metadata.unwrap_or(key.metadata);
        key.limits.rate_limits = self.rate_limits.unwrap_or(key.limits.rate_limits);
        match self.credits {
            Change::Keep => {}
            Change::Clear => key.limits.credits = None,
            Change::Set(credits) => key.limits.credits = Some(credits),
        }
        match self.expires_at {
            Change::Keep => {}
            Change::Clear => key.expires_at = None,
            Change::Set(at) => key.expires_at = Some(at),
        }
        key
    }
}

/// A field the client may leave out: absent is no change (`Some(None)`),
/// given is its parsed value, or `None` when it did not parse.
fn given<T>(field: Option<Option<T>>) -> Option<Option<T>> {
    field.map_or(Some(None), |parsed| parsed.map(Some))
}

impl UpdateApiKeyCommand {
    fn is_empty(&self) -> bool {
        self.label.is_none()
            && self.description.is_none()
            && self.scopes.is_none()
            && self.ip_allow_list.is_none()
            && self.expires_at.is_keep()
            && self.metadata.is_none()
            && self.rate_limits.is_none()
            && self.credits.is_keep()
    }

    /// Parses every field given, for a key of `kind`, at `now`.
    ///
    /// # Errors
    /// Each bad field, named; `body` when nothing is to change.
    pub fn parse(&self, kind: KeyKind, now: DateTime<Utc>) -> Result<KeyChanges, ValidationErrors> {
        if self.is_empty() {
            return Err(ValidationErrors::single(
                "body",
                "must set at least one of label, description, scopes, ip_allow_list, expires_at, metadata, \
                 rate_limits, credits",
            ));
        }
        let mut errors = ValidationErrors::new();
        let label = self.label.as_deref().map(|raw| key_fields::label(&mut errors, raw));
        let description = self.description.as_deref().map(|raw| key_fields::description(&mut errors, raw));
        let scopes = self.scopes.as_deref().map(|raw| key_fields::scopes(&mut errors, raw, kind));
        let ip_allow_list = self.ip_allow_list.as_deref().map(|raw| key_fields::ip_allow_list(&mut errors, raw));
        let expires_at = match &self.expires_at {
            Change::Keep => Some(Change::Keep),
            Change::Clear => Some(Change::Clear),
            Change::Set(raw) => key_fields::expires_at(&mut errors, raw, now).map(Change::Set),
        };
        let metadata = self.metadata.clone().map(|raw| key_fields::metadata(&mut errors, raw));
        let rate_limits = self.rate_limits.as_deref().map(|raw| limit_fields::rate_limits(&mut errors, raw));
        let credits = match &self.credits {
            Change::Keep => Some(Change::Keep),
            Change::Clear => Some(Change::Clear),
            Change::Set(raw) => limit_fields::credits(&mut errors, raw).map(Change::Set),
        };
        errors.finish(|| {
            Some(KeyChanges {
                label: given(label)?,
                description: given(description)?,
                scopes: given(scopes)?,
                ip_allow_list: given(ip_allow_list)?,
                expires_at: expires_at?,
                metadata: given(metadata)?,
                rate_limits: given(rate_limits)?,
                credits: credits?,
            })
        })
    }
}

/// Changes a key's label, description, scopes, IP allow list, expiry or
/// metadata. The same rules as creation apply, and the caller may neither
/// grant scopes it lacks nor change a key holding scopes it lacks.
#[derive(Clone, new)]
pub struct UpdateApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
    /// Where a new credit balance is set; without it, setting credits fails.
    #[new(default)]
    credits: Option<Arc<dyn CreditLedger>>,
}

/// Credits were set on a key, but no ledger was wired to keep them.
#[derive(Debug, thiserror::Error)]
#[error("no credit ledger is configured")]
struct NoLedger;

impl UpdateApiKey {
    /// Sets new credit balances in `credits`.
    #[must_use]
    pub fn with_credits(mut self, credits: Arc<dyn CreditLedger>) -> Self {
        self.credits = Some(credits);
        self
    }

    /// # Errors
    /// `Forbidden` without `api_keys.update`; `NotFound`; `Revoked`;
    /// `Escalation`; `Validation` naming each bad field.
    #[tracing::instrument(name = "update_api_key", skip_all, fields(caller = %caller.actor, id))]
    pub async fn execute(
        &self,
        caller: &Principal,
        id: &str,
        command: UpdateApiKeyCommand,
    ) -> Result<ApiKeyView, KeyManagementError> {
        let before = load_changeable(self.keys.as_ref(), caller, id, Scope::ApiKeysUpdate).await?;
        let now = self.clock.now();
        let changes = command.parse(before.kind, now).map_err(KeyManagementError::Validation)?;
        let new_balance = match &changes.credits {
            Change::Set(credits) => Some(*credits),
            _ => None,
        };
        let mut key = changes.apply(before.clone());
        let escalation = caller.ungrantable(&key.scopes);
        if !escalation.is_empty() {
            return Err(KeyManagementError::Escalation { scopes: escalation });
        }
        key.updated_at = Some(now);

        let event = ChangeBy { caller, at: now }.key(AuditAction::ApiKeyUpdated, &before, &key);
        self.keys.update(&key, &event).await.map_err(KeyManagementError::unexpected)?;
        if let Some(credits) = new_balance {
            let ledger = self.credits.as_ref().ok_or_else(|| KeyManagementError::unexpected(NoLedger))?;
            let period = credits.refill.map_or(now, |r| r.last_boundary(now));
            let subject = LimitSubject::ApiKey(key.id);
            ledger
                .change(subject, CreditChange::Set(credits.remaining), period, None)
                .await
                .map_err(KeyManagementError::unexpected)?;
        }
        self.cache.invalidate_key(key.id);
        Ok(ApiKeyView::at(key, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockApiKeyRepository;

    fn use_case(target: ApiKey, expect_write: bool) -> UpdateApiKey {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(target.clone())));
        if expect_write {
            keys.expect_update()
                .withf(|_, event| event.action == AuditAction::ApiKeyUpdated)
                .times(1)
                .returning(|_, _| Ok(()));
        } else {
            keys.expect_update().never();
        }
        let clock = fixed_clock();
        UpdateApiKey::new(Arc::new(keys), Arc::new(clock), test_cache())
    }

    fn key_with(scopes: &[&str]) -> ApiKey {
        let mut key = active_key();
        key.scopes = ScopeSet::parse(scopes).unwrap();
        key
    }

    #[tokio::test]
    async fn a_label_change_is_written_with_an_audit_event_of_the_changed_field() {
        let target = key_with(&["products.read"]);
        let id = target.id.to_string();
        let mut keys = MockApiKeyRepository::new();
        keys.expect_get().returning(move |_, _| Ok(Some(target.clone())));
        keys.expect_update()
            .withf(|key, event| {
                key.label.as_str() == "renamed"
                    && event.before == serde_json::json!({"label": "root"})
                    && event.after == serde_json::json!({"label": "renamed"})
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let clock = fixed_clock();
        let caller = principal(&["api_keys.update", "products.read"]);
        let cmd = UpdateApiKeyCommand { label: Some("renamed".into()), ..Default::default() };
        let updated =
            UpdateApiKey::new(Arc::new(keys), Arc::new(clock), test_cache()).execute(&caller, &id, cmd).await.unwrap();
        assert_eq!(updated.key.updated_at, Some(now()));
    }

    #[tokio::test]
    async fn scopes_the_caller_lacks_cannot_be_added() {
        let target = key_with(&["products.read"]);
        let id = target.id.to_string();
        let caller = principal(&["api_keys.update", "products.read"]);
        let cmd = UpdateApiKeyCommand { scopes: Some(vec!["payments.create".into()]), ..Default::default() };
        let err = use_case(target, false).execute(&caller, &id, cmd).await.unwrap_err();
        assert!(matches!(err, KeyManagementError::Escalation { scopes } if scopes == vec![Scope::PaymentsCreate]));
    }

    #[tokio::test]
    async fn a_key_holding_scopes_the_caller_lacks_cannot_be_changed() {
        let target = key_with(&["payments.create"]);
        let id = target.id.to_string();
        let caller = principal(&["api_keys.update"]);
        let cmd = UpdateApiKeyCommand { label: Some("mine now".into()), ..Default::default() };
        let err = use_case(target, false).execute(&caller, &id, cmd).await.unwrap_err();
        assert!(matches!(err, KeyManagementError::Escalation { .. }));
    }

    #[tokio::test]
    async fn a_revoked_key_cannot_be_changed() {
        let mut target = key_with(&[]);
        target.revoked_at = Some(now());
        let id = target.id.to_string();
        let cmd = UpdateApiKeyCommand { label: Some("x".into()), ..Default::default() };
        let err = use_case(target, false).execute(&principal(&["api_keys.update"]), &id, cmd).await.unwrap_err();
        assert!(matches!(err, KeyManagementError::Revoked));
    }

    #[tokio::test]
    async fn an_expiry_in_the_past_and_a_blank_label_are_both_reported() {
        let target = key_with(&[]);
        let id = target.id.to_string();
        let cmd = UpdateApiKeyCommand {
            label: Some(" ".into()),
            expires_at: Change::Set((now() - chrono::Duration::seconds(1)).to_rfc3339()),
            ..Default::default()
        };
        let err = use_case(target, false).execute(&principal(&["api_keys.update"]), &id, cmd).await.unwrap_err();
        let KeyManagementError::Validation(v) = err else { panic!("expected validation") };
        let fields: Vec<&str> = v.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["label", "expires_at"]);
    }

    #[tokio::test]
    async fn an_empty_update_is_rejected() {
        let target = key_with(&[]);
        let id = target.id.to_string();
        let err = use_case(target, false)
            .execute(&principal(&["api_keys.update"]), &id, UpdateApiKeyCommand::default())
            .await
            .unwrap_err();
        assert!(matches!(err, KeyManagementError::Validation(_)));
    }

    #[tokio::test]
    async fn the_expiry_can_be_removed() {
        let mut target = key_with(&[]);
        target.expires_at = Some(sesame_domain::ExpiresAt::from_stored(now() + chrono::Duration::days(1)));
        let id = target.id.to_string();
        let cmd = UpdateApiKeyCommand { expires_at: Change::Clear, ..Default::default() };
        let updated = use_case(target, true).execute(&principal(&["api_keys.update"]), &id, cmd).await.unwrap();
        assert_eq!(updated.key.expires_at, None);
    }
}
