use std::sync::Arc;

use chrono::{DateTime, Utc};
use derive_new::new;
use sesame_domain::ports::{ApiKeyRepository, Clock, ServiceAccountRepository};
use sesame_domain::{
    Actor, ApiKey, ApiKeyId, ApiKeyStatus, ApiToken, AuditAction, Environment, ExpiresAt, Forbidden, IpAllowList,
    KeyDescription, KeyKind, KeyLabel, Metadata, OrganizationId, Principal, Scope, ScopeSet, ServiceAccountId,
    UsageLimits, UsageMetrics,
};
use thiserror::Error;

use super::fields as key_fields;
use crate::limits::input as limit_fields;
use crate::limits::{CreditsInput, RateLimitInput};
use crate::support::audit::{self, ChangeBy};
use crate::support::secret_issuer::SecretIssuer;
use crate::support::validation::ValidationErrors;
use crate::Unexpected;
use crate::UnexpectedCause;

/// What a client asks for, as received: [`CreateApiKeyCommand::parse`] turns
/// it into a [`NewApiKey`] once, so every HTTP dialect applies the same rules.
#[derive(Debug, Clone, Default)]
pub struct CreateApiKeyCommand {
    pub label: Option<String>,
    pub description: Option<String>,
    pub scopes: Vec<String>,
    pub ip_allow_list: Vec<String>,
    /// `2025-06-29 16:03:44` (UTC) or RFC 3339.
    pub expires_at: Option<String>,
    pub metadata: Option<serde_json::Value>,
    /// `secret` (default) or `publishable`.
    pub kind: Option<String>,
    /// `live` or `test`; defaults to the caller's. A live key may issue test
    /// keys; a test key only test keys.
    pub environment: Option<String>,
    /// `svc_…`: a service account of the caller's organization the key
    /// belongs to.
    pub service_account_id: Option<String>,
    /// Named rate limits; none when absent.
    pub rate_limits: Option<Vec<RateLimitInput>>,
    /// Credits; unlimited when absent.
    pub credits: Option<CreditsInput>,
}

/// A key to issue, every field parsed.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub label: KeyLabel,
    pub description: KeyDescription,
    pub scopes: ScopeSet,
    pub ip_allow_list: IpAllowList,
    pub expires_at: Option<ExpiresAt>,
    pub metadata: Metadata,
    pub kind: KeyKind,
    pub environment: Environment,
    pub service_account_id: Option<ServiceAccountId>,
    pub limits: UsageLimits,
}

impl NewApiKey {
    /// A root key: every field at its default but `scopes` and `environment`.
    pub(crate) fn root(scopes: ScopeSet, environment: Environment) -> Self {
        Self {
            label: KeyLabel::parse("Root key").unwrap_or_else(|_| unreachable!("a constant, valid label")),
            description: KeyDescription::default(),
            scopes,
            ip_allow_list: IpAllowList::default(),
            expires_at: None,
            metadata: Metadata::default(),
            kind: KeyKind::Secret,
            environment,
            service_account_id: None,
            limits: UsageLimits::default(),
        }
    }

    /// The key as stored: issued by `created_by` at `now` in
    /// `organization_id`, shown by `token`'s prefix, unused so far.
    pub(crate) fn issue(
        self,
        organization_id: OrganizationId,
        created_by: Actor,
        now: DateTime<Utc>,
        token: &ApiToken,
    ) -> ApiKey {
        self.issue_shown_as(organization_id, created_by, now, token.display_prefix())
    }

    /// As [`NewApiKey::issue`], shown by `key_prefix` (an imported key's).
    pub(crate) fn issue_shown_as(
        self,
        organization_id: OrganizationId,
        created_by: Actor,
        now: DateTime<Utc>,
        key_prefix: String,
    ) -> ApiKey {
        ApiKey {
            id: ApiKeyId::generate(),
            organization_id,
            label: self.label,
            description: self.description,
            scopes: self.scopes,
            ip_allow_list: self.ip_allow_list,
            expires_at: self.expires_at,
            environment: self.environment,
            kind: self.kind,
            metadata: self.metadata,
            service_account_id: self.service_account_id,
            created_by,
            created_at: now,
            updated_at: None,
            revoked_at: None,
            leaked_at: None,
            key_prefix,
            usage: UsageMetrics::default(),
            limits: self.limits,
        }
    }
}

impl CreateApiKeyCommand {
    /// Parses every field for `caller` at `now`, collecting every problem.
    ///
    /// # Errors
    /// Each bad field, named.
    pub fn parse(&self, caller: &Principal, now: DateTime<Utc>) -> Result<NewApiKey, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = match self.kind.as_deref() {
            None => Some(KeyKind::Secret),
            Some(raw) => errors.check("kind", raw.parse::<KeyKind>()),
        };
        let environment = match self.environment.as_deref().map(str::parse::<Environment>) {
            None => Some(caller.environment),
            Some(Ok(Environment::Live)) if caller.environment == Environment::Test => {
                errors.add("environment", "a test key can only issue test keys");
                None
            }
            Some(parsed) => errors.check("environment", parsed),
        };
        let label = match self.label.as_deref() {
            Some(raw) => key_fields::label(&mut errors, raw),
            None => {
                errors.add("label", "is required");
                None
            }
        };
        let description = key_fields::description(&mut errors, self.description.as_deref().unwrap_or_default());
        let scopes = key_fields::scopes(&mut errors, &self.scopes, kind.unwrap_or(KeyKind::Secret));
        let ip_allow_list = key_fields::ip_allow_list(&mut errors, &self.ip_allow_list);
        let expires_at = match self.expires_at.as_deref() {
            None => Some(None),
            Some(raw) => key_fields::expires_at(&mut errors, raw, now).map(Some),
        };
        let metadata = key_fields::metadata(&mut errors, self.metadata.clone().unwrap_or_default());
        let service_account_id = match self.service_account_id.as_deref() {
            None => Some(None),
            Some(raw) => errors.check("service_account_id", raw.parse::<ServiceAccountId>()).map(Some),
        };
        let limits = limit_fields::usage_limits(&mut errors, self.rate_limits.as_deref(), self.credits.as_ref());
        errors.finish(|| {
            Some(NewApiKey {
                label: label?,
                description: description?,
                scopes: scopes?,
                ip_allow_list: ip_allow_list?,
                expires_at: expires_at?,
                metadata: metadata?,
                kind: kind?,
                environment: environment?,
                service_account_id: service_account_id?,
                limits: limits?,
            })
        })
    }
}

/// A stored key and its token: the only moment the plaintext exists.
#[derive(Debug, Clone)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    /// Judged at the creation's own instant.
    pub status: ApiKeyStatus,
    pub token: ApiToken,
}

#[derive(Debug, Error)]
pub enum CreateApiKeyError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The caller asked to grant scopes it does not hold itself.
    #[error("a key cannot grant scopes it does not hold")]
    Escalation { scopes: Vec<Scope> },
    #[error("creating the key failed")]
    Unexpected(#[from] Unexpected),
}

/// Issues a new key in the caller's organization and environment.
#[derive(Clone, new)]
pub struct CreateApiKey {
    keys: Arc<dyn ApiKeyRepository>,
    service_accounts: Arc<dyn ServiceAccountRepository>,
    issuer: SecretIssuer,
    clock: Arc<dyn Clock>,
}

/// What is wrong with `id` as the service account of a key `caller` issues,
/// if anything: a key may belong only to a live service account of the
/// caller's organization.
pub(crate) async fn service_account_problem(
    service_accounts: &dyn ServiceAccountRepository,
    caller: &Principal,
    id: ServiceAccountId,
) -> Result<Option<&'static str>, Unexpected> {
    let found = service_accounts.get(&caller.organization_id, &id).await.map_err(|e| Box::new(e) as Unexpected)?;
    Ok(match found {
        None => Some("is not a service account of this organization"),
        Some(account) if account.deleted_at.is_some() => Some("is a deleted service account"),
        Some(_) => None,
    })
}

impl CreateApiKey {
    async fn check_service_account(&self, caller: &Principal, id: ServiceAccountId) -> Result<(), CreateApiKeyError> {
        match service_account_problem(self.service_accounts.as_ref(), caller, id).await? {
            None => Ok(()),
            Some(problem) => {
                Err(CreateApiKeyError::Validation(ValidationErrors::single("service_account_id", problem)))
            }
        }
    }

    /// # Errors
    /// `Forbidden` without `api_keys.create`; `Validation` naming each bad
    /// field; `Escalation` naming the scopes the caller may not grant.
    #[tracing::instrument(name = "create_api_key", skip_all, fields(caller = %caller.actor))]
    pub async fn execute(
        &self,
        caller: &Principal,
        command: CreateApiKeyCommand,
    ) -> Result<CreatedApiKey, CreateApiKeyError> {
        caller.require(Scope::ApiKeysCreate)?;
        let now = self.clock.now();
        let spec = command.parse(caller, now).map_err(CreateApiKeyError::Validation)?;
        if let Some(id) = spec.service_account_id {
            self.check_service_account(caller, id).await?;
        }
        let escalation = caller.ungrantable(&spec.scopes);
        if !escalation.is_empty() {
            return Err(CreateApiKeyError::Escalation { scopes: escalation });
        }

        let (token, secret) =
            self.issuer.issue(spec.kind, spec.environment, now).await.map_err(CreateApiKeyError::unexpected)?;
        let key = spec.issue(caller.organization_id, caller.actor.clone(), now, &token);
        let event = ChangeBy { caller, at: now }.event(
            &key.id.to_string(),
            AuditAction::ApiKeyCreated,
            serde_json::Value::Null,
            audit::key_snapshot(&key),
        );
        self.keys.insert(&key, &secret, &event).await.map_err(CreateApiKeyError::unexpected)?;
        tracing::info!(key_id = %key.id, "api key created");
        Ok(CreatedApiKey { status: key.status(now), key, token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use chrono::Duration;
    use sesame_domain::ports::{MockApiKeyRepository, MockServiceAccountRepository};

    fn use_case(keys: MockApiKeyRepository) -> CreateApiKey {
        use_case_with_accounts(keys, MockServiceAccountRepository::new())
    }

    fn use_case_with_accounts(keys: MockApiKeyRepository, accounts: MockServiceAccountRepository) -> CreateApiKey {
        let (issuer, clock) = (issuer_minting([3; 16], [4; 32], "$argon2id$hash"), fixed_clock());
        CreateApiKey::new(Arc::new(keys), Arc::new(accounts), issuer, Arc::new(clock))
    }

    fn service_account(id: ServiceAccountId) -> sesame_domain::ServiceAccount {
        sesame_domain::ServiceAccount {
            id,
            organization_id: organization_id(),
            name: sesame_domain::ServiceAccountName::parse("billing-worker").unwrap(),
            description: sesame_domain::KeyDescription::default(),
            created_by: sesame_domain::Actor::bootstrap(),
            created_at: now(),
            deleted_at: None,
            limits: UsageLimits::default(),
        }
    }

    #[tokio::test]
    async fn a_key_can_belong_to_a_service_account_of_the_callers_organization() {
        let id = ServiceAccountId::generate();
        let mut accounts = MockServiceAccountRepository::new();
        accounts
            .expect_get()
            .withf(move |org, asked| *org == organization_id() && *asked == id)
            .returning(move |_, _| Ok(Some(service_account(id))));
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().withf(move |key, _, _| key.service_account_id == Some(id)).returning(|_, _, _| Ok(()));
        let command = CreateApiKeyCommand { service_account_id: Some(id.to_string()), ..command(&[]) };
        let created =
            use_case_with_accounts(keys, accounts).execute(&principal(&["api_keys.create"]), command).await.unwrap();
        assert_eq!(created.key.service_account_id, Some(id));
    }

    #[tokio::test]
    async fn a_service_account_of_another_organization_is_rejected_naming_the_field() {
        let mut accounts = MockServiceAccountRepository::new();
        accounts.expect_get().returning(|_, _| Ok(None));
        let command =
            CreateApiKeyCommand { service_account_id: Some(ServiceAccountId::generate().to_string()), ..command(&[]) };
        let err = use_case_with_accounts(MockApiKeyRepository::new(), accounts)
            .execute(&principal(&["api_keys.create"]), command)
            .await
            .unwrap_err();
        let CreateApiKeyError::Validation(errors) = err else { panic!("expected a validation error") };
        assert_eq!(errors.fields()[0].field, "service_account_id");
    }

    fn command(scopes: &[&str]) -> CreateApiKeyCommand {
        CreateApiKeyCommand {
            label: Some("Checkout service".into()),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn no_writes() -> MockApiKeyRepository {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().never();
        keys
    }

    #[tokio::test]
    async fn a_key_is_stored_with_its_hash_and_an_audit_event_and_the_token_returned() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert()
            .withf(|key, secret, event| {
                secret.hash.as_str() == "$argon2id$hash"
                    && event.action == AuditAction::ApiKeyCreated
                    && event.target_id == key.id.to_string()
                    && !event.after.to_string().contains("argon2")
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let caller = principal(&["api_keys.create", "products.read"]);
        let created = use_case(keys).execute(&caller, command(&["products.read"])).await.unwrap();
        assert_eq!(created.key.organization_id, caller.organization_id);
        assert_eq!(created.key.created_by, caller.actor.clone());
        assert_eq!(created.key.environment, Environment::Live);
        assert!(created.token.expose().starts_with("sk_live_"));
        assert_eq!(created.key.key_prefix, created.token.display_prefix());
    }

    #[tokio::test]
    async fn a_caller_without_api_keys_create_is_forbidden() {
        let caller = principal(&["api_keys.read"]);
        let err = use_case(no_writes()).execute(&caller, command(&[])).await.unwrap_err();
        assert!(matches!(err, CreateApiKeyError::Forbidden(Forbidden { missing: Scope::ApiKeysCreate })));
    }

    #[tokio::test]
    async fn a_caller_cannot_grant_a_scope_it_does_not_hold() {
        let caller = principal(&["api_keys.create", "products.read"]);
        let err =
            use_case(no_writes()).execute(&caller, command(&["products.read", "payments.create"])).await.unwrap_err();
        assert!(matches!(err, CreateApiKeyError::Escalation { scopes } if scopes == vec![Scope::PaymentsCreate]));
    }

    #[tokio::test]
    async fn every_bad_field_is_reported_at_once() {
        let caller = principal(&["api_keys.create"]);
        let cmd = CreateApiKeyCommand {
            label: Some("  ".into()),
            scopes: vec!["invoices.destroy".into()],
            ip_allow_list: vec!["300.1.1.1".into()],
            expires_at: Some((now() - Duration::days(1)).to_rfc3339()),
            metadata: Some(serde_json::json!("nope")),
            ..Default::default()
        };
        let Err(CreateApiKeyError::Validation(errors)) = use_case(no_writes()).execute(&caller, cmd).await else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["label", "scopes", "ip_allow_list", "expires_at", "metadata"]);
        assert_eq!(errors.fields()[0].message, "must not be blank");
        assert_eq!(errors.fields()[1].message, "unknown scope `invoices.destroy`");
    }

    #[tokio::test]
    async fn a_missing_label_is_required() {
        let caller = principal(&["api_keys.create"]);
        let cmd = CreateApiKeyCommand::default();
        let Err(CreateApiKeyError::Validation(errors)) = use_case(no_writes()).execute(&caller, cmd).await else {
            panic!("expected a validation error");
        };
        assert_eq!(errors.fields()[0].message, "is required");
    }

    #[tokio::test]
    async fn a_publishable_key_may_not_hold_a_management_scope() {
        let caller = principal(&["api_keys.create", "api_keys.read"]);
        let cmd = CreateApiKeyCommand { kind: Some("publishable".into()), ..command(&["api_keys.read"]) };
        let err = use_case(no_writes()).execute(&caller, cmd).await.unwrap_err();
        assert!(matches!(err, CreateApiKeyError::Validation(_)));
    }

    #[tokio::test]
    async fn a_live_caller_may_issue_a_test_key_but_a_test_caller_no_live_key() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().times(1).returning(|_, _, _| Ok(()));
        let live = principal(&["api_keys.create"]);
        let cmd = CreateApiKeyCommand { environment: Some("test".into()), ..command(&[]) };
        let created = use_case(keys).execute(&live, cmd).await.unwrap();
        assert!(created.token.expose().starts_with("sk_test_"));

        let mut test = principal(&["api_keys.create"]);
        test.environment = Environment::Test;
        let cmd = CreateApiKeyCommand { environment: Some("live".into()), ..command(&[]) };
        let err = use_case(no_writes()).execute(&test, cmd).await.unwrap_err();
        assert!(matches!(err, CreateApiKeyError::Validation(v) if v.fields()[0].field == "environment"));
    }

    #[tokio::test]
    async fn a_test_caller_creates_test_keys() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert().returning(|_, _, _| Ok(()));
        let mut caller = principal(&["api_keys.create"]);
        caller.environment = Environment::Test;
        let created = use_case(keys).execute(&caller, command(&[])).await.unwrap();
        assert_eq!(created.key.environment, Environment::Test);
        assert!(created.token.expose().starts_with("sk_test_"));
    }
}
