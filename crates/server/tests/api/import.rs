//! `POST /developers/api_keys/import`: keys generated and hashed the way
//! Unkey, better-auth and django-rest-framework-api-key generate and hash
//! them are imported, and then work with their original tokens everywhere a
//! Sesame key works: verify, authentication, a dialect, the gateway.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};
use sesame_application::authentication::{Authenticate, FailureLimiter, FailureLimits, VerifiedKeyCache};
use sesame_application::usage::UsageBuffer;
use sesame_crypto::{Argon2Params, Argon2SecretHasher};
use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, RepositoryError};
use sesame_domain::{
    ApiKey, ApiKeyId, AuditEvent, Credential, ForeignToken, LookupId, NewSecret, OrganizationId, ScopeSet, SecretHash,
    UsageRecord,
};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;
use sesame_persistence::{Database, DatabaseSettings};
use sesame_server::system_clock::SystemClock;
use sha2::Digest;

use crate::helpers::{spawn_app, TestApp};

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_text(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect()
}

fn sha256(text: &str) -> Vec<u8> {
    sha2::Sha256::digest(text.as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A key as Unkey makes one: its prefix, `_`, base58 of 16 random bytes;
/// stored as the standard base64 of its SHA-256.
fn unkey_key() -> (String, Value) {
    let token = format!("acme_{}", random_text(BASE58, 22));
    let value = base64::engine::general_purpose::STANDARD.encode(sha256(&token));
    (token, json!({"algorithm": "sha256", "encoding": "base64", "value": value, "prefix": "acme_"}))
}

/// As better-auth's API-key plugin makes one: 64 random letters; stored as
/// the unpadded base64url of its SHA-256.
fn better_auth_key() -> (String, Value) {
    let token = random_text(LETTERS, 64);
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(&token));
    (token, json!({"algorithm": "sha256", "encoding": "base64url", "value": value}))
}

/// As django-rest-framework-api-key makes one: an 8-character prefix, `.`,
/// a 32-character secret; stored as `sha512$$` and the hex SHA-512 of the
/// whole key, beside the prefix.
fn drf_key() -> (String, Value) {
    let prefix = random_text(ALPHANUMERIC, 8);
    let token = format!("{prefix}.{}", random_text(ALPHANUMERIC, 32));
    let hashed_key = format!("sha512$${}", hex(&sha2::Sha512::digest(token.as_bytes())));
    (token, json!({"algorithm": "sha512", "encoding": "hex", "value": hashed_key, "prefix": prefix}))
}

/// `POST /developers/api_keys/import` as the root key.
async fn import(app: &TestApp, keys: Vec<Value>) -> (u16, Value) {
    app.post("/developers/api_keys/import", &app.root_secret, &json!({"keys": keys})).await
}

fn item(label: &str, extra: Value) -> Value {
    let mut item = json!({"label": label, "scopes": ["api_keys.read", "products.read"], "metadata": {"from": label}});
    item.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    item
}

/// A pool of the test's own on the app's database.
async fn open(app: &TestApp) -> Database {
    let settings = DatabaseSettings {
        url: app.database_url().to_owned(),
        max_connections: 1,
        connect_timeout: Duration::from_secs(10),
    };
    Database::connect(&settings).await.expect("open the database")
}

/// The stored hash of `token`'s key and the lookup id it is stored at.
async fn stored(db: &Database, token: &str) -> (String, LookupId) {
    let foreign = ForeignToken::digest(token).expect("a token of another service");
    for lookup in foreign.candidates() {
        if let Some(credential) = db.api_keys().find_credential(&lookup).await.expect("read") {
            return (credential.secret_hash.as_str().to_owned(), lookup);
        }
    }
    panic!("no secret stored for the token");
}

on_both_backends!(
    keys_of_each_service_work_with_their_original_tokens_after_import,
    bad_items_are_reported_each_while_the_good_ones_are_stored,
    an_import_is_audited_once_per_key_and_never_shows_a_token,
    importing_the_same_key_twice_is_a_conflict_not_a_duplicate,
    ten_thousand_imported_keys_verify_through_one_read_each,
);

async fn keys_of_each_service_work_with_their_original_tokens_after_import(backend: Backend) {
    let app = spawn_app(backend).await;
    let (unkey, unkey_hash) = unkey_key();
    let (better_auth, better_auth_hash) = better_auth_key();
    let (drf, drf_hash) = drf_key();
    let plaintext = format!("legacy_{}", random_text(ALPHANUMERIC, 40));
    let keys = vec![
        item("unkey", json!({"hash": unkey_hash})),
        item("better-auth", json!({"hash": better_auth_hash})),
        item("drf", json!({"hash": drf_hash})),
        item("plaintext", json!({"plaintext": plaintext})),
    ];

    let (status, body) = import(&app, keys).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["imported"], 4, "{body}");
    assert_eq!(body["data"]["rejected"], 0);
    let results = body["data"]["results"].as_array().unwrap();
    assert_eq!(results[0]["key"]["key_prefix"], "acme_");
    assert_eq!(results[2]["key"]["key_prefix"], drf.split('.').next().unwrap(), "drf's prefix is shown");
    assert_eq!(results[3]["key"]["key_prefix"], &plaintext[..8]);
    let db = open(&app).await;
    for (i, token) in [&unkey, &better_auth, &drf, &plaintext].into_iter().enumerate() {
        let key_id = results[i]["key"]["id"].as_str().unwrap();
        let (status, verified) = app.verify(&json!({"key": token, "required_scopes": ["products.read"]})).await;
        assert_eq!((status, verified["data"]["code"].as_str()), (200, Some("VALID")), "{i}: {verified}");
        assert_eq!(verified["data"]["key_id"], key_id);

        let (status, listed) = app.get("/developers/api_keys", token).await;
        assert_eq!(status, 200, "{i}: the imported key authenticates to the native API: {listed}");
        let v1 = app.client.get(app.url("/v1/api-keys")).bearer_auth(token).send().await.unwrap();
        assert_eq!(v1.status().as_u16(), 200, "{i}: and to a dialect");
        let gateway = app.client.get(app.url("/gateway/auth")).bearer_auth(token).send().await.unwrap();
        assert_eq!(gateway.status().as_u16(), 200, "{i}: and through the gateway endpoint");
        assert_eq!(gateway.headers()["x-sesame-key-id"].to_str().unwrap(), key_id);
    }

    // Each moved to the configured scheme (argon2id) on its first verify, at
    // its SHA-256 digest's lookup id, and keeps working from there.
    for token in [&unkey, &better_auth, &drf, &plaintext] {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (hash, lookup) = stored(&db, token).await;
            if hash.starts_with("$argon2id$") {
                assert_eq!(lookup, ForeignToken::digest(token).unwrap().lookup());
                break;
            }
            assert!(Instant::now() < deadline, "the stored hash stayed `{hash}`");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let restarted = app.another_instance().await;
    let verify_there = |token: String| {
        let request = app.client.post(format!("{restarted}/developers/api_keys/verify")).json(&json!({"key": token}));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["data"]["code"].clone() }
    };
    for token in [&unkey, &better_auth, &drf, &plaintext] {
        assert_eq!(verify_there(token.clone()).await, "VALID", "after the move, from a cold cache");
    }
    assert_eq!(verify_there(format!("{unkey}x")).await, "MALFORMED", "a token of no key is no key's");
}

async fn bad_items_are_reported_each_while_the_good_ones_are_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let (good, good_hash) = unkey_key();
    let (_, mut short) = unkey_key();
    short["value"] = json!(base64::engine::general_purpose::STANDARD.encode([7u8; 31]));
    let (_, mut md5) = unkey_key();
    md5["algorithm"] = json!("md5");
    let (second, second_hash) = drf_key();
    let keys = vec![
        item("good", json!({"hash": good_hash})),
        item("unknown format", json!({"hash": md5})),
        item("wrong length", json!({"hash": short})),
        json!({"label": "outside the catalogue", "scopes": ["rockets.launch"], "plaintext": random_text(LETTERS, 40)}),
        item("neither plaintext nor hash", json!({})),
        item("short plaintext", json!({"plaintext": "tiny"})),
        item("second good", json!({"hash": second_hash})),
        item("same as the first", json!({"hash": unkey_key_with(&good)})),
    ];

    let (status, body) = import(&app, keys).await;

    assert_eq!(status, 200, "{body}");
    let results = body["data"]["results"].as_array().unwrap();
    let summary: Vec<(&str, Option<&str>)> =
        results.iter().map(|r| (r["status"].as_str().unwrap(), r["error"]["code"].as_str())).collect();
    assert_eq!(
        summary,
        [
            ("imported", None),
            ("rejected", Some("invalid")),
            ("rejected", Some("invalid")),
            ("rejected", Some("invalid")),
            ("rejected", Some("invalid")),
            ("rejected", Some("invalid")),
            ("imported", None),
            ("rejected", Some("duplicate")),
        ],
        "{body}"
    );
    assert_eq!(results[1]["error"]["validator"]["hash.algorithm"], "must be `sha256` or `sha512`");
    assert_eq!(results[2]["error"]["validator"]["hash.value"], "decodes to 31 bytes; a sha256 digest has 32");
    assert!(results[3]["error"]["validator"]["scopes"].as_str().unwrap().contains("rockets.launch"), "{body}");
    assert!(results[4]["error"]["validator"]["plaintext"].as_str().unwrap().contains("is required"), "{body}");
    assert!(results[5]["error"]["validator"]["plaintext"].as_str().unwrap().contains("16 to 512"), "{body}");
    assert_eq!((body["data"]["imported"].as_u64(), body["data"]["rejected"].as_u64()), (Some(2), Some(6)));
    for token in [&good, &second] {
        assert_eq!(app.verify(&json!({"key": token})).await.1["data"]["code"], "VALID");
    }
    let (_, listed) = app.get("/developers/api_keys", &app.root_secret).await;
    let labels: Vec<&str> =
        listed["data"]["items"].as_array().unwrap().iter().filter_map(|k| k["label"].as_str()).collect();
    assert!(labels.contains(&"good") && labels.contains(&"second good"), "{labels:?}");
    assert!(!labels.iter().any(|l| ["unknown format", "wrong length", "same as the first"].contains(l)), "{labels:?}");
}

/// The Unkey-style hash item of an existing token.
fn unkey_key_with(token: &str) -> Value {
    let value = base64::engine::general_purpose::STANDARD.encode(sha256(token));
    json!({"algorithm": "sha256", "encoding": "base64", "value": value})
}

async fn an_import_is_audited_once_per_key_and_never_shows_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, hash) = better_auth_key();
    let plaintext = random_text(LETTERS, 48);
    let (_, body) =
        import(&app, vec![item("hashed", json!({"hash": hash})), item("plain", json!({"plaintext": plaintext}))]).await;
    let ids: Vec<&str> =
        body["data"]["results"].as_array().unwrap().iter().map(|r| r["key"]["id"].as_str().unwrap()).collect();

    let (_, trail) = app.get("/developers/audit_events?limit=100", &app.root_secret).await;

    let events = trail["data"]["items"].as_array().unwrap();
    for (id, source) in ids.iter().zip(["sha256", "plaintext"]) {
        let of_key: Vec<&Value> = events.iter().filter(|e| e["target_id"] == *id).collect();
        assert_eq!(of_key.len(), 1, "one event per imported key: {trail}");
        assert_eq!(of_key[0]["action"], "api_key.imported");
        assert_eq!(of_key[0]["after"]["imported_from"], source);
    }
    let text = trail.to_string();
    assert!(!text.contains(&token) && !text.contains(&plaintext), "no token in the trail");
}

async fn importing_the_same_key_twice_is_a_conflict_not_a_duplicate(backend: Backend) {
    let app = spawn_app(backend).await;
    let plaintext = random_text(LETTERS, 48);
    let (_, first) = import(&app, vec![item("first", json!({"plaintext": plaintext}))]).await;
    assert_eq!(first["data"]["imported"], 1, "{first}");
    let hash = unkey_key_with(&plaintext);

    let (status, again) = import(
        &app,
        vec![item("again", json!({"plaintext": plaintext})), item("again, hashed", json!({"hash": hash}))],
    )
    .await;

    assert_eq!(status, 200);
    for result in again["data"]["results"].as_array().unwrap() {
        assert_eq!(result["error"]["code"], "duplicate", "{again}");
    }
    let (_, verified) = app.verify(&json!({"key": plaintext})).await;
    assert_eq!(verified["data"]["key_id"], first["data"]["results"][0]["key"]["id"], "the first import stands");
}

#[tokio::test]
async fn an_import_needs_api_keys_create_and_a_batch_of_one_to_a_thousand() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, reader) = app.key_with(&["api_keys.read"]).await;
    let one = vec![item("x", json!({"plaintext": random_text(LETTERS, 40)}))];
    let (status, _) = app.post("/developers/api_keys/import", &reader, &json!({"keys": one})).await;
    assert_eq!(status, 403);
    let (status, body) = import(&app, vec![]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["validator"]["keys"].as_str().unwrap().contains("1 to 1000"), "{body}");
    let (status, body) = app.call(Method::GET, "/developers/api_keys/import", &app.root_secret, None).await;
    assert_eq!(status, 405, "{body}");
}

/// Storage that counts the credential reads of the verifies it serves.
struct CountingReads {
    inner: sesame_persistence::SeaOrmApiKeyRepository,
    by_lookup_id: AtomicUsize,
    by_digest: AtomicUsize,
}

#[async_trait::async_trait]
impl ApiKeyRepository for CountingReads {
    async fn insert(&self, key: &ApiKey, secret: &NewSecret, audit: &AuditEvent) -> Result<(), RepositoryError> {
        self.inner.insert(key, secret, audit).await
    }
    async fn find_credential(&self, lookup: &LookupId) -> Result<Option<Credential>, RepositoryError> {
        self.by_lookup_id.fetch_add(1, Ordering::SeqCst);
        self.inner.find_credential(lookup).await
    }
    async fn find_credential_at_any(&self, lookups: &[LookupId]) -> Result<Option<Credential>, RepositoryError> {
        self.by_digest.fetch_add(1, Ordering::SeqCst);
        self.inner.find_credential_at_any(lookups).await
    }
    async fn insert_imported(&self, batch: &[(ApiKey, NewSecret, AuditEvent)]) -> Result<Vec<bool>, RepositoryError> {
        self.inner.insert_imported(batch).await
    }
    async fn get(&self, organization_id: &OrganizationId, id: &ApiKeyId) -> Result<Option<ApiKey>, RepositoryError> {
        self.inner.get(organization_id, id).await
    }
    async fn list(&self, query: &ApiKeyQuery) -> Result<Vec<ApiKey>, RepositoryError> {
        self.inner.list(query).await
    }
    async fn update(&self, key: &ApiKey, audit: &AuditEvent) -> Result<(), RepositoryError> {
        self.inner.update(key, audit).await
    }
    async fn revoke(&self, key: &ApiKey, audit: &AuditEvent) -> Result<bool, RepositoryError> {
        self.inner.revoke(key, audit).await
    }
    async fn mark_leaked(&self, key: &ApiKey, audit: &AuditEvent) -> Result<bool, RepositoryError> {
        self.inner.mark_leaked(key, audit).await
    }
    async fn rotate(
        &self,
        key: &ApiKey,
        secret: &NewSecret,
        old_secrets_expire_at: chrono::DateTime<chrono::Utc>,
        audit: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        self.inner.rotate(key, secret, old_secrets_expire_at, audit).await
    }
    async fn replace_hash(
        &self,
        lookup: &LookupId,
        old: &SecretHash,
        new_lookup: &LookupId,
        new: &SecretHash,
    ) -> Result<bool, RepositoryError> {
        self.inner.replace_hash(lookup, old, new_lookup, new).await
    }
    async fn record_usage(&self, batch: &[UsageRecord]) -> Result<(), RepositoryError> {
        self.inner.record_usage(batch).await
    }
}

async fn ten_thousand_imported_keys_verify_through_one_read_each(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tokens = Vec::with_capacity(10_000);
    for batch in 0..10 {
        let items: Vec<Value> = (0..1000)
            .map(|i| {
                let (token, hash) = unkey_key();
                tokens.push(token);
                json!({"label": format!("imported {batch}-{i}"), "hash": hash})
            })
            .collect();
        let (status, body) = import(&app, items).await;
        assert_eq!((status, body["data"]["imported"].as_u64()), (200, Some(1000)), "batch {batch}");
    }
    let db = open(&app).await;
    let storage = Arc::new(CountingReads {
        inner: db.api_keys(),
        by_lookup_id: AtomicUsize::new(0),
        by_digest: AtomicUsize::new(0),
    });
    let keys: Arc<dyn ApiKeyRepository> = storage.clone();
    let hasher =
        Argon2SecretHasher::new(Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1, max_concurrent: 1 });
    let auth = Authenticate::new(
        keys.clone(),
        Arc::new(hasher.expect("valid parameters")),
        Arc::new(SystemClock),
        UsageBuffer::new(keys, 20_000),
        VerifiedKeyCache::new(20_000, Duration::from_secs(600), [7; 32]),
        FailureLimiter::new(FailureLimits::default()),
    );

    for token in &tokens {
        let verified = auth.check(token, None, &ScopeSet::empty()).await;
        assert!(verified.is_ok(), "{verified:?}");
    }

    assert_eq!(storage.by_digest.load(Ordering::SeqCst), 10_000, "one read per imported key");
    assert_eq!(storage.by_lookup_id.load(Ordering::SeqCst), 0, "and no other");
}
