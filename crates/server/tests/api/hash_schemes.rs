//! The hash schemes (`hashing.scheme`: argon2id or hmac-sha256 with a
//! pepper) as an operator runs them: real `sesame serve` processes,
//! restarted with other settings, on a SQLite file and on PostgreSQL. The
//! stored hash is read back from the database itself.

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};
use sesame_domain::ports::ApiKeyRepository;
use sesame_domain::ApiToken;
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};
use sesame_persistence::{Database, DatabaseSettings};

use crate::instances::{client, Instance};

const PEPPER: &str = "pepper-one-0123456789abcdef0123456789abcdef";
const OTHER_PEPPER: &str = "pepper-two-0123456789abcdef0123456789abcdef";

/// The id `PEPPER` is stored under: read from a hash made with it, as the
/// first start prints it nowhere a test could rely on.
fn pepper_id_in(hash: &str) -> &str {
    hash.strip_prefix("$hmac-sha256$k=").and_then(|rest| rest.split('$').next()).expect("an hmac-sha256 hash")
}

fn fast(pepper: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![("SESAME__HASHING__SCHEME", "hmac-sha256"), ("SESAME__HASHING__PEPPER", pepper)]
}

/// argon2id for new hashes, with the pepper still set so that fast-scheme
/// hashes verify (and are rehashed).
fn argon2id_keeping(pepper: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![("SESAME__HASHING__SCHEME", "argon2id"), ("SESAME__HASHING__PEPPER", pepper)]
}

fn start(url: &str, env: &[(&str, &str)]) -> Instance {
    Instance::spawn(url, env).serving()
}

/// A pool of the test's own on the server's database, once it is migrated.
async fn open(url: &str) -> Database {
    let settings =
        DatabaseSettings { url: url.to_owned(), max_connections: 1, connect_timeout: Duration::from_secs(10) };
    Database::connect(&settings).await.expect("open the database")
}

/// The hash stored for the secret of `token`, read straight from the database.
async fn stored_hash(db: &Database, token: &str) -> String {
    let lookup = ApiToken::parse(token).expect("a well-formed token").lookup();
    let credential = db.api_keys().find_credential(&lookup).await.expect("read the secret").expect("it is stored");
    credential.secret_hash.as_str().to_owned()
}

/// Waits (up to 10 s) until the stored hash of `token` starts with `prefix`.
async fn stored_hash_becomes(db: &Database, token: &str, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let hash = stored_hash(db, token).await;
        if hash.starts_with(prefix) {
            return hash;
        }
        assert!(Instant::now() < deadline, "the stored hash stayed `{hash}`, never `{prefix}…`");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `POST /developers/api_keys/verify`: the status and the code.
async fn verify(instance: &Instance, client: &Client, secret: &str) -> (u16, String) {
    let res = client.post(instance.url("/developers/api_keys/verify")).json(&json!({"key": secret})).send().await;
    let res = res.expect("the request is sent");
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("a JSON body");
    (status, body["data"]["code"].as_str().unwrap_or_default().to_owned())
}

/// `GET /developers/api_keys` as `secret`: the status.
async fn list_keys_as(instance: &Instance, client: &Client, secret: &str) -> u16 {
    let res = client.get(instance.url("/developers/api_keys")).bearer_auth(secret).send().await;
    res.expect("the request is sent").status().as_u16()
}

/// Rotates key `id` with `root`, the old secret stopping at once: the new secret.
async fn rotate(instance: &Instance, client: &Client, root: &str, id: &str) -> String {
    let res = client
        .post(instance.url(&format!("/developers/api_keys/{id}/rotate")))
        .bearer_auth(root)
        .json(&json!({"grace_period_seconds": 0}))
        .send()
        .await
        .expect("the request is sent");
    assert_eq!(res.status().as_u16(), 200, "the rotation succeeds");
    let body: Value = res.json().await.expect("a JSON body");
    body["data"]["secret"].as_str().expect("the new secret").to_owned()
}

on_both_backends!(
    each_scheme_stores_hashes_naming_it_and_its_keys_create_verify_and_rotate,
    changing_the_scheme_and_restarting_rehashes_a_key_on_its_next_verify_both_ways,
    rotating_the_pepper_rehashes_keys_from_the_previous_one_to_the_new_one,
    a_wrong_pepper_fails_every_fast_scheme_key_without_a_server_error,
);

async fn each_scheme_stores_hashes_naming_it_and_its_keys_create_verify_and_rotate(backend: Backend) {
    for (env, prefix) in
        [(argon2id_keeping(PEPPER), "$argon2id$v=19$m=256,t=1,p=1$"), (fast(PEPPER), "$hmac-sha256$k=")]
    {
        let database = TestDatabase::new(backend).await;
        let url = database.url();
        let mut server = start(url, &env);
        let client = client();
        let root = server.bootstrapped_root_secret();
        let db = open(url).await;
        assert!(stored_hash(&db, &root).await.starts_with(prefix), "the root key's hash names {prefix}");

        let (id, secret) = server.create_key(&client, &root).await;
        assert!(stored_hash(&db, &secret).await.starts_with(prefix), "{prefix}");
        assert_eq!(verify(&server, &client, &secret).await, (200, "VALID".to_owned()), "{prefix}");

        let rotated = rotate(&server, &client, &root, &id).await;
        assert!(stored_hash(&db, &rotated).await.starts_with(prefix), "the new secret's hash names {prefix}");
        assert_eq!(verify(&server, &client, &rotated).await.1, "VALID", "{prefix}");
        assert_eq!(verify(&server, &client, &secret).await.1, "EXPIRED", "{prefix}: the old secret stopped");
        assert_eq!(list_keys_as(&server, &client, &root).await, 200, "{prefix}: the root key authenticates");
    }
}

async fn changing_the_scheme_and_restarting_rehashes_a_key_on_its_next_verify_both_ways(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let url = database.url();
    let client = client();
    let mut first = start(url, &argon2id_keeping(PEPPER));
    let root = first.bootstrapped_root_secret();
    let db = open(url).await;
    let (_, secret) = first.create_key(&client, &root).await;
    let argon2id = stored_hash(&db, &secret).await;
    assert!(argon2id.starts_with("$argon2id$"), "{argon2id}");
    drop(first);

    // argon2id → hmac-sha256: the first verify after the restart answers
    // from the argon2id hash, and replaces it.
    let fast_server = start(url, &fast(PEPPER));
    assert_eq!(verify(&fast_server, &client, &secret).await.1, "VALID");
    let hmac = stored_hash_becomes(&db, &secret, "$hmac-sha256$k=").await;
    assert_eq!(list_keys_as(&fast_server, &client, &root).await, 200);
    stored_hash_becomes(&db, &root, "$hmac-sha256$k=").await;
    drop(fast_server);
    // A fresh process, cold: the key works from its new hash.
    let again = start(url, &fast(PEPPER));
    assert_eq!(verify(&again, &client, &secret).await.1, "VALID");
    assert_eq!(stored_hash(&db, &secret).await, hmac, "a current hash is not rehashed");
    drop(again);

    // hmac-sha256 → argon2id.
    let back = start(url, &argon2id_keeping(PEPPER));
    assert_eq!(verify(&back, &client, &secret).await.1, "VALID");
    stored_hash_becomes(&db, &secret, "$argon2id$v=19$m=256,t=1,p=1$").await;
    drop(back);

    // argon2id → argon2id of other parameters.
    let mut stronger = argon2id_keeping(PEPPER);
    stronger.push(("SESAME__HASHING__ITERATIONS", "2"));
    let costlier = start(url, &stronger);
    assert_eq!(verify(&costlier, &client, &secret).await.1, "VALID");
    stored_hash_becomes(&db, &secret, "$argon2id$v=19$m=256,t=2,p=1$").await;
    drop(costlier);
    let last = start(url, &stronger);
    assert_eq!(verify(&last, &client, &secret).await.1, "VALID", "the key keeps working through every change");
    assert_eq!(list_keys_as(&last, &client, &root).await, 200);
}

async fn rotating_the_pepper_rehashes_keys_from_the_previous_one_to_the_new_one(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let url = database.url();
    let client = client();
    let mut first = start(url, &fast(PEPPER));
    let root = first.bootstrapped_root_secret();
    let db = open(url).await;
    let (_, secret) = first.create_key(&client, &root).await;
    let old_id = pepper_id_in(&stored_hash(&db, &secret).await).to_owned();
    drop(first);

    let mut rotated_env = fast(OTHER_PEPPER);
    rotated_env.push(("SESAME__HASHING__PREVIOUS_PEPPER", PEPPER));
    let rotated = start(url, &rotated_env);
    assert_eq!(verify(&rotated, &client, &secret).await.1, "VALID", "the previous pepper still verifies");
    let new_hash = stored_hash_becomes(&db, &secret, "$hmac-sha256$k=").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut new_hash = new_hash;
    while pepper_id_in(&new_hash) == old_id {
        assert!(Instant::now() < deadline, "the hash stayed keyed with the previous pepper");
        tokio::time::sleep(Duration::from_millis(50)).await;
        new_hash = stored_hash(&db, &secret).await;
    }
    drop(rotated);

    // The previous pepper dropped from the settings: the key still works.
    let without_previous = start(url, &fast(OTHER_PEPPER));
    assert_eq!(verify(&without_previous, &client, &secret).await.1, "VALID");
}

async fn a_wrong_pepper_fails_every_fast_scheme_key_without_a_server_error(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let url = database.url();
    let client = client();
    let mut first = start(url, &fast(PEPPER));
    let root = first.bootstrapped_root_secret();
    let db = open(url).await;
    let mut secrets = vec![root.clone()];
    for _ in 0..3 {
        secrets.push(first.create_key(&client, &root).await.1);
    }
    drop(first);

    let wrong = start(url, &fast(OTHER_PEPPER));
    for secret in &secrets {
        assert_eq!(verify(&wrong, &client, secret).await, (200, "NOT_FOUND".to_owned()));
        assert_eq!(list_keys_as(&wrong, &client, secret).await, 401, "a key the pepper cannot check is refused");
    }
    for secret in &secrets {
        assert!(stored_hash(&db, secret).await.starts_with("$hmac-sha256$"), "a failed verify rehashes nothing");
    }
    drop(wrong);

    // No pepper at all (argon2id, the default): the same, never a 5xx.
    let none = start(url, &[]);
    assert_eq!(verify(&none, &client, &secrets[1]).await, (200, "NOT_FOUND".to_owned()));
    assert_eq!(list_keys_as(&none, &client, &root).await, 401);
}
