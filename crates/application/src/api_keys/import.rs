//! Keys brought from another key service, each with its original token:
//! given as plaintext (hashed at once, never stored) or as the digest the
//! other service stored (docs/decisions/0011-imported-keys.md).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use derive_new::new;
use serde_json::json;
use sesame_domain::ports::{ApiKeyRepository, Clock, OrganizationRepository, SecretHasher, ServiceAccountRepository};
use sesame_domain::{
    Actor, ApiKey, ApiToken, AuditAction, AuditEvent, DigestAlgorithm, DigestEncoding, Environment, Forbidden,
    ForeignToken, ImportedDigest, KeyKind, NewSecret, Principal, Scope, ScopeSet, ServiceAccountId,
    MAX_FOREIGN_TOKEN_LEN, MIN_FOREIGN_TOKEN_LEN,
};
use thiserror::Error;

use super::create::{service_account_problem, CreateApiKeyCommand, NewApiKey};
use crate::organizations::{active_organization, OperatorError};
use crate::support::audit::{self, ChangeBy};
use crate::support::validation::ValidationErrors;
use crate::{Unexpected, UnexpectedCause};

/// Keys per import request at most.
pub const MAX_IMPORT_BATCH: usize = 1000;
/// Characters of a plaintext shown as an imported key's `key_prefix` when
/// no prefix is given: as many as django-rest-framework-api-key's prefix.
const PLAINTEXT_PREFIX_CHARS: usize = 8;
/// The longest `hash.prefix`.
const MAX_PREFIX_LEN: usize = 32;

/// The keys of one import request, as received.
#[derive(Debug, Clone, Default)]
pub struct ImportApiKeysCommand {
    pub keys: Vec<ImportKeyCommand>,
}

/// One key to import: its fields as for a created key, and exactly one of
/// its plaintext or the digest another service stored of it.
#[derive(Debug, Clone, Default)]
pub struct ImportKeyCommand {
    pub key: CreateApiKeyCommand,
    pub plaintext: Option<String>,
    pub hash: Option<ImportedHashCommand>,
}

/// The digest of a token as another service stored it.
#[derive(Debug, Clone, Default)]
pub struct ImportedHashCommand {
    /// `sha256` or `sha512`.
    pub algorithm: String,
    /// `hex`, `base64` or `base64url`.
    pub encoding: String,
    pub value: String,
    /// Shown as the key's `key_prefix`: the other service's public prefix.
    pub prefix: Option<String>,
}

/// What became of one key of the batch, in the batch's order.
#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Imported(Box<ApiKey>),
    Rejected(ImportRejection),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportRejection {
    /// Bad fields, each named (`plaintext`, `hash.value`, `scopes`, …).
    Invalid(ValidationErrors),
    /// Scopes the caller may not grant.
    Escalation { scopes: Vec<Scope> },
    /// The token is a key's already: imported before, or twice in the batch.
    Duplicate,
}

#[derive(Debug, Error)]
pub enum ImportApiKeysError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The batch itself is unacceptable (empty or too long).
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error("importing the keys failed")]
    Unexpected(#[from] Unexpected),
}

/// How an imported key's token is held until it is stored.
enum Source {
    /// A Sesame token (a key moved from another Sesame installation).
    Native(ApiToken),
    Plaintext(ForeignToken, String),
    Digest(ImportedDigest, String),
}

impl Source {
    /// What the audit event says the key was imported from.
    fn name(&self) -> &'static str {
        match self {
            Source::Native(_) | Source::Plaintext(..) => "plaintext",
            Source::Digest(digest, _) => digest.algorithm().as_str(),
        }
    }
}

/// A key that passed every check of its own, ready to hash and store.
struct Accepted {
    index: usize,
    spec: NewApiKey,
    source: Source,
}

/// Imports up to [`MAX_IMPORT_BATCH`] keys into the caller's organization:
/// the good ones are stored (in one transaction, each with an
/// `api_key.imported` event), each bad one is reported with its reason.
#[derive(Clone, new)]
pub struct ImportApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
    service_accounts: Arc<dyn ServiceAccountRepository>,
    hasher: Arc<dyn SecretHasher>,
    clock: Arc<dyn Clock>,
}

impl ImportApiKeys {
    /// # Errors
    /// `Forbidden` without `api_keys.create`; `Validation` for an empty or
    /// oversized batch. A bad key is an outcome, not an error.
    #[tracing::instrument(name = "import_api_keys", skip_all, fields(caller = %caller.actor, keys = command.keys.len()))]
    pub async fn execute(
        &self,
        caller: &Principal,
        command: ImportApiKeysCommand,
    ) -> Result<Vec<ImportOutcome>, ImportApiKeysError> {
        caller.require(Scope::ApiKeysCreate)?;
        let count = command.keys.len();
        if count == 0 || count > MAX_IMPORT_BATCH {
            let problem = format!("must hold 1 to {MAX_IMPORT_BATCH} keys (got {count})");
            return Err(ImportApiKeysError::Validation(ValidationErrors::single("keys", problem)));
        }
        let now = self.clock.now();
        let mut outcomes: Vec<Option<ImportOutcome>> = vec![None; count];
        let mut accepted = Vec::with_capacity(count);
        let mut accounts = HashMap::new();
        for (index, item) in command.keys.into_iter().enumerate() {
            match self.accept(caller, item, now, &mut accounts).await? {
                Ok((spec, source)) => accepted.push(Accepted { index, spec, source }),
                Err(rejection) => outcomes[index] = Some(ImportOutcome::Rejected(rejection)),
            }
        }

        // All at once: the hasher bounds how many hashes run together
        // (`hashing.max_concurrent`), so a batch of plaintexts takes every
        // core it is allowed rather than one.
        let indexes: Vec<usize> = accepted.iter().map(|a| a.index).collect();
        let rows = futures_util::future::try_join_all(
            accepted.into_iter().map(|Accepted { spec, source, .. }| self.row(caller, now, spec, source)),
        )
        .await?;
        let stored = self.keys.insert_imported(&rows).await.map_err(ImportApiKeysError::unexpected)?;
        for ((index, (key, _, _)), stored) in indexes.into_iter().zip(rows).zip(stored) {
            outcomes[index] = Some(if stored {
                ImportOutcome::Imported(Box::new(key))
            } else {
                ImportOutcome::Rejected(ImportRejection::Duplicate)
            });
        }
        let outcomes: Vec<ImportOutcome> = outcomes.into_iter().flatten().collect();
        let imported = outcomes.iter().filter(|o| matches!(o, ImportOutcome::Imported(_))).count();
        tracing::info!(imported, rejected = count - imported, "api keys imported");
        Ok(outcomes)
    }

    /// The key `item` describes, parsed and checked, or why it is rejected.
    async fn accept(
        &self,
        caller: &Principal,
        item: ImportKeyCommand,
        now: DateTime<Utc>,
        accounts: &mut HashMap<ServiceAccountId, Option<&'static str>>,
    ) -> Result<Result<(NewApiKey, Source), ImportRejection>, ImportApiKeysError> {
        let mut errors = ValidationErrors::new();
        let mut key = item.key;
        let source = source(&mut errors, item.plaintext, item.hash);
        if let Some(Source::Native(token)) = &source {
            // A Sesame token's prefix says its environment and kind.
            adopt_token_prefix(&mut errors, &mut key, token);
        }
        let spec = match key.parse(caller, now) {
            Ok(spec) => Some(spec),
            Err(problems) => {
                for problem in problems.fields() {
                    errors.add(problem.field.clone(), &problem.message);
                }
                None
            }
        };
        if let Some(id) = spec.as_ref().and_then(|s| s.service_account_id) {
            let problem = match accounts.get(&id) {
                Some(known) => *known,
                None => {
                    let found = service_account_problem(self.service_accounts.as_ref(), caller, id).await?;
                    *accounts.entry(id).or_insert(found)
                }
            };
            if let Some(problem) = problem {
                errors.add("service_account_id", problem);
            }
        }
        let (Some(spec), Some(source), true) = (spec, source, errors.is_empty()) else {
            return Ok(Err(ImportRejection::Invalid(errors)));
        };
        let escalation = caller.ungrantable(&spec.scopes);
        if !escalation.is_empty() {
            return Ok(Err(ImportRejection::Escalation { scopes: escalation }));
        }
        Ok(Ok((spec, source)))
    }

    /// The stored form of an accepted key: a plaintext is hashed under the
    /// configured scheme now; an imported digest is kept as it is until the
    /// token's first verify.
    async fn row(
        &self,
        caller: &Principal,
        now: DateTime<Utc>,
        spec: NewApiKey,
        source: Source,
    ) -> Result<(ApiKey, NewSecret, AuditEvent), ImportApiKeysError> {
        let source_name = source.name();
        let (lookup, hash, shown_as) = match source {
            Source::Native(token) => {
                let hash = self.hasher.hash(token.secret()).await.map_err(ImportApiKeysError::unexpected)?;
                (token.lookup(), hash, token.display_prefix())
            }
            Source::Plaintext(token, shown_as) => {
                let hash = self.hasher.hash(&token.secret()).await.map_err(ImportApiKeysError::unexpected)?;
                (token.lookup(), hash, shown_as)
            }
            Source::Digest(digest, shown_as) => (digest.lookup(), digest.to_stored(), shown_as),
        };
        let key = spec.issue_shown_as(caller.organization_id, caller.actor.clone(), now, shown_as);
        let mut snapshot = audit::key_snapshot(&key);
        snapshot["imported_from"] = json!(source_name);
        let event = ChangeBy { caller, at: now }.event(
            &key.id.to_string(),
            AuditAction::ApiKeyImported,
            serde_json::Value::Null,
            snapshot,
        );
        Ok((key, NewSecret { lookup, hash, created_at: now }, event))
    }
}

/// Who imports through `sesame import`: an operator with access to the
/// database, acting as the installation itself (`system:import` in the
/// trail), holding every scope, in `environment` of an existing, active
/// organization.
///
/// # Errors
/// A malformed id, an unknown or deactivated organization.
pub async fn operator_in(
    organizations: &dyn OrganizationRepository,
    organization_id: &str,
    environment: Environment,
) -> Result<Principal, OperatorError> {
    let organization = active_organization(organizations, organization_id).await?;
    Ok(Principal {
        actor: Actor::System { name: "import".to_owned() },
        organization_id: organization.id,
        environment,
        kind: KeyKind::Secret,
        scopes: ScopeSet::all(),
        ip: None,
    })
}

/// The token source of an item: exactly one of `plaintext` and `hash`.
fn source(
    errors: &mut ValidationErrors,
    plaintext: Option<String>,
    hash: Option<ImportedHashCommand>,
) -> Option<Source> {
    match (plaintext, hash) {
        (Some(_), Some(_)) => {
            errors.add("plaintext", "give either `plaintext` or `hash`, not both");
            None
        }
        (None, None) => {
            errors.add("plaintext", "one of `plaintext` or `hash` is required");
            None
        }
        (Some(plaintext), None) => {
            if let Ok(token) = ApiToken::parse(&plaintext) {
                return Some(Source::Native(token));
            }
            let Some(token) = ForeignToken::digest(&plaintext) else {
                errors.add(
                    "plaintext",
                    format!(
                        "must be {MIN_FOREIGN_TOKEN_LEN} to {MAX_FOREIGN_TOKEN_LEN} printable ASCII characters without spaces"
                    ),
                );
                return None;
            };
            let shown_as = plaintext.chars().take(PLAINTEXT_PREFIX_CHARS).collect();
            Some(Source::Plaintext(token, shown_as))
        }
        (None, Some(hash)) => {
            let algorithm = errors.check("hash.algorithm", hash.algorithm.parse::<DigestAlgorithm>());
            let encoding = errors.check("hash.encoding", hash.encoding.parse::<DigestEncoding>());
            let prefix = match hash.prefix {
                None => Some(String::new()),
                Some(prefix) if prefix.len() <= MAX_PREFIX_LEN && is_prefix_text(&prefix) => Some(prefix),
                Some(_) => {
                    errors.add(
                        "hash.prefix",
                        format!("must be at most {MAX_PREFIX_LEN} printable ASCII characters without spaces"),
                    );
                    None
                }
            };
            let digest = match (algorithm, encoding) {
                (Some(algorithm), Some(encoding)) => {
                    errors.check("hash.value", ImportedDigest::decode(algorithm, encoding, &hash.value))
                }
                _ => None,
            };
            Some(Source::Digest(digest?, prefix?))
        }
    }
}

fn is_prefix_text(prefix: &str) -> bool {
    prefix.bytes().all(|b| b.is_ascii_graphic())
}

/// Takes a Sesame token's environment and kind for its key, unless the item
/// names others (a problem: the token's prefix cannot change).
fn adopt_token_prefix(errors: &mut ValidationErrors, key: &mut CreateApiKeyCommand, token: &ApiToken) {
    let (environment, kind) = (token.environment().as_str(), token.kind().as_str());
    match key.environment.as_deref() {
        Some(given) if given != environment => {
            errors.add("environment", format!("must be `{environment}`, as the key's own prefix says"));
        }
        _ => key.environment = Some(environment.to_owned()),
    }
    match key.kind.as_deref() {
        Some(given) if given != kind => errors.add("kind", format!("must be `{kind}`, as the key's own prefix says")),
        _ => key.kind = Some(kind.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::{MockApiKeyRepository, MockSecretHasher, MockServiceAccountRepository};
    use sesame_domain::SecretHash;
    use sha2::Digest;

    const UNKEY_TOKEN: &str = "prod_3ZaBcdEfGhJkLmNpQrStUvWx";

    fn sha256_hex(text: &str) -> String {
        sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    fn item(label: &str) -> ImportKeyCommand {
        ImportKeyCommand {
            key: CreateApiKeyCommand {
                label: Some(label.to_owned()),
                scopes: vec!["api_keys.read".to_owned()],
                ..CreateApiKeyCommand::default()
            },
            ..ImportKeyCommand::default()
        }
    }

    fn with_plaintext(label: &str, plaintext: &str) -> ImportKeyCommand {
        ImportKeyCommand { plaintext: Some(plaintext.to_owned()), ..item(label) }
    }

    fn with_hash(label: &str, algorithm: &str, encoding: &str, value: &str) -> ImportKeyCommand {
        let hash = ImportedHashCommand {
            algorithm: algorithm.to_owned(),
            encoding: encoding.to_owned(),
            value: value.to_owned(),
            prefix: Some("prod_".to_owned()),
        };
        ImportKeyCommand { hash: Some(hash), ..item(label) }
    }

    /// Storage that stores every key it is given, but a key whose lookup id
    /// it has seen (within this batch too); records what it stored.
    fn storing(stored: Arc<std::sync::Mutex<Vec<(ApiKey, NewSecret, AuditEvent)>>>) -> MockApiKeyRepository {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_insert_imported().returning(move |batch| {
            let mut seen = std::collections::HashSet::new();
            let mut kept = stored.lock().unwrap();
            Ok(batch
                .iter()
                .map(|row| {
                    let fresh = seen.insert(row.1.lookup);
                    if fresh {
                        kept.push(row.clone());
                    }
                    fresh
                })
                .collect())
        });
        keys
    }

    fn use_case(keys: MockApiKeyRepository) -> ImportApiKeys {
        let mut hasher = MockSecretHasher::new();
        hasher.expect_hash().returning(|_| Ok(SecretHash::new("$argon2id$fresh".into())));
        ImportApiKeys::new(
            Arc::new(keys),
            Arc::new(MockServiceAccountRepository::new()),
            Arc::new(hasher),
            Arc::new(fixed_clock()),
        )
    }

    fn rejection(outcome: &ImportOutcome) -> Option<&ImportRejection> {
        match outcome {
            ImportOutcome::Rejected(rejection) => Some(rejection),
            ImportOutcome::Imported(_) => None,
        }
    }

    fn fields_of(outcome: &ImportOutcome) -> Vec<String> {
        match rejection(outcome) {
            Some(ImportRejection::Invalid(errors)) => errors.fields().iter().map(|f| f.field.clone()).collect(),
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn good_keys_are_stored_while_bad_ones_are_reported_each_with_its_reason() {
        let stored = Arc::default();
        let import = use_case(storing(Arc::clone(&stored)));
        let mut outside_catalogue = with_plaintext("bad scope", "another_plaintext_key_0001");
        outside_catalogue.key.scopes = vec!["rockets.launch".to_owned()];
        let command = ImportApiKeysCommand {
            keys: vec![
                with_plaintext("plaintext", UNKEY_TOKEN),
                with_hash("unknown format", "md5", "hex", "00"),
                with_hash("short digest", "sha256", "hex", &"ab".repeat(31)),
                outside_catalogue,
                with_hash("sha256", "sha256", "hex", &sha256_hex("second_token_of_unkey_000")),
                with_plaintext("same token again", UNKEY_TOKEN),
            ],
        };

        let outcomes = import.execute(&principal(&["api_keys.create", "api_keys.read"]), command).await.unwrap();

        assert_eq!(outcomes.len(), 6);
        assert!(matches!(outcomes[0], ImportOutcome::Imported(_)));
        assert_eq!(fields_of(&outcomes[1]), ["hash.algorithm"]);
        assert_eq!(fields_of(&outcomes[2]), ["hash.value"]);
        assert_eq!(fields_of(&outcomes[3]), ["scopes"]);
        assert!(matches!(outcomes[4], ImportOutcome::Imported(_)));
        assert_eq!(rejection(&outcomes[5]), Some(&ImportRejection::Duplicate));
        let stored = stored.lock().unwrap();
        assert_eq!(stored.len(), 2, "only the good keys reach storage");
        assert!(stored.iter().all(
            |(key, _, event)| event.action == AuditAction::ApiKeyImported && event.target_id == key.id.to_string()
        ));
    }

    #[tokio::test]
    async fn a_plaintext_is_hashed_under_the_configured_scheme_and_a_digest_is_kept_for_its_first_verify() {
        let stored: Arc<std::sync::Mutex<Vec<(ApiKey, NewSecret, AuditEvent)>>> = Arc::default();
        let import = use_case(storing(Arc::clone(&stored)));
        let digest_hex = sha256_hex("second_token_of_unkey_000");
        let command = ImportApiKeysCommand {
            keys: vec![with_plaintext("plaintext", UNKEY_TOKEN), with_hash("digest", "sha256", "hex", &digest_hex)],
        };

        import.execute(&principal(&["api_keys.create", "api_keys.read"]), command).await.unwrap();

        let stored = stored.lock().unwrap();
        let (plain_key, plain_secret, plain_event) = &stored[0];
        assert_eq!(plain_secret.hash.as_str(), "$argon2id$fresh");
        assert_eq!(plain_secret.lookup, ForeignToken::digest(UNKEY_TOKEN).unwrap().lookup());
        assert_eq!(plain_key.key_prefix, "prod_3Za", "a plaintext shows its first eight characters");
        assert_eq!(plain_event.after["imported_from"], "plaintext");
        let (digest_key, digest_secret, digest_event) = &stored[1];
        assert!(ImportedDigest::is_stored_form(&digest_secret.hash));
        assert_eq!(digest_secret.lookup, ForeignToken::digest("second_token_of_unkey_000").unwrap().lookup());
        assert_eq!(digest_key.key_prefix, "prod_");
        assert_eq!(digest_event.after["imported_from"], "sha256");
        let shown = serde_json::to_string(&plain_event.after).unwrap();
        assert!(!shown.contains(UNKEY_TOKEN) && !shown.contains(&digest_hex), "no secret in the trail: {shown}");
    }

    #[tokio::test]
    async fn a_sesame_token_keeps_its_own_lookup_id_environment_and_kind() {
        let stored: Arc<std::sync::Mutex<Vec<(ApiKey, NewSecret, AuditEvent)>>> = Arc::default();
        let import = use_case(storing(Arc::clone(&stored)));
        let sesame = token();
        let mut mismatched = with_plaintext("says test", &sesame.expose());
        mismatched.key.environment = Some("test".to_owned());
        let command = ImportApiKeysCommand { keys: vec![with_plaintext("moved", &sesame.expose()), mismatched] };

        let outcomes = import.execute(&principal(&["api_keys.create", "api_keys.read"]), command).await.unwrap();

        assert!(matches!(outcomes[0], ImportOutcome::Imported(_)));
        assert_eq!(fields_of(&outcomes[1]), ["environment"]);
        let stored = stored.lock().unwrap();
        assert_eq!(stored[0].1.lookup, sesame.lookup());
        assert_eq!(stored[0].0.environment, Environment::Live);
        assert_eq!(stored[0].0.key_prefix, sesame.display_prefix());
    }

    #[tokio::test]
    async fn an_item_needs_exactly_one_of_plaintext_and_hash_and_a_plaintext_must_look_like_a_key() {
        let import = use_case(storing(Arc::default()));
        let both =
            ImportKeyCommand { plaintext: Some(UNKEY_TOKEN.to_owned()), ..with_hash("both", "sha256", "hex", "00") };
        let command = ImportApiKeysCommand {
            keys: vec![
                item("neither"),
                both,
                with_plaintext("short", "tiny"),
                with_plaintext("spaced", "has spaces in it ok"),
            ],
        };

        let outcomes = import.execute(&principal(&["api_keys.create", "api_keys.read"]), command).await.unwrap();

        for outcome in &outcomes {
            assert_eq!(fields_of(outcome), ["plaintext"]);
        }
    }

    #[tokio::test]
    async fn a_caller_cannot_import_a_key_with_scopes_it_does_not_hold() {
        let import = use_case(storing(Arc::default()));
        let mut greedy = with_plaintext("greedy", UNKEY_TOKEN);
        greedy.key.scopes = vec!["api_keys.delete".to_owned()];

        let outcomes = import
            .execute(&principal(&["api_keys.create"]), ImportApiKeysCommand { keys: vec![greedy] })
            .await
            .unwrap();

        assert!(matches!(rejection(&outcomes[0]), Some(ImportRejection::Escalation { .. })), "{outcomes:?}");
    }

    #[tokio::test]
    async fn the_batch_needs_api_keys_create_and_one_to_a_thousand_keys() {
        let import = use_case(MockApiKeyRepository::new());
        let reader = principal(&["api_keys.read"]);
        let forbidden = import.execute(&reader, ImportApiKeysCommand { keys: vec![item("a")] }).await;
        assert!(matches!(forbidden, Err(ImportApiKeysError::Forbidden(_))));
        let caller = principal(&["api_keys.create"]);
        for count in [0, MAX_IMPORT_BATCH + 1] {
            let command = ImportApiKeysCommand { keys: vec![item("a"); count] };
            let err = import.execute(&caller, command).await.unwrap_err();
            assert!(matches!(err, ImportApiKeysError::Validation(_)), "{count}: {err:?}");
        }
    }
}
