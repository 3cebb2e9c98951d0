//! `POST /secret_scanning/github`: GitHub's secret-scanning partner contract,
//! signed with a P-256 key pair made here, whose public half is written to
//! the key file the server reads.

use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use regex::Regex;
use serde_json::{json, Value};
use sesame_domain::{ApiToken, Environment, KeyKind, LookupId, SecretBytes, TOKEN_PATTERN};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;
use sesame_server::settings::OnLeakSetting;

use crate::helpers::{spawn_app, spawn_app_with, unissued_key, TestApp};

const REPORTS: &str = "/secret_scanning/github";
const KEY_ID: &str = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c";
const FOUND_AT: &str =
    "https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/foo/bar.txt";

on_both_backends!(
    a_signed_report_revokes_the_key_and_audits_it_once,
    with_on_leak_flag_the_key_keeps_verifying_and_shows_leaked_at,
    a_bad_signature_is_401_and_revokes_nothing,
    a_token_of_another_issuer_is_false_positive,
    every_bad_report_is_a_4xx_naming_the_problem,
);

/// GitHub, as far as a test needs it: a signing key and the file of its
/// public key, in the document GitHub serves.
struct Github {
    key: SigningKey,
    file: tempfile::NamedTempFile,
}

fn random_key() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return key;
        }
    }
}

fn github() -> Github {
    let key = random_key();
    let other = random_key();
    let pem = |k: &SigningKey| k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
    let document = json!({"public_keys": [
        {"key_identifier": KEY_ID, "key": pem(&key), "is_current": true},
        {"key_identifier": "an-older-key", "key": pem(&other), "is_current": false},
    ]});
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), document.to_string()).unwrap();
    Github { key, file }
}

fn sign(key: &SigningKey, body: &[u8]) -> String {
    let signature: Signature = key.sign(body);
    base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
}

async fn spawn_scanning(backend: Backend, on_leak: OnLeakSetting) -> (TestApp, Github) {
    let github = github();
    let path = github.file.path().display().to_string();
    let app = spawn_app_with(backend, move |s| {
        s.secret_scanning.github_public_keys_file = Some(path);
        s.secret_scanning.on_leak = on_leak;
    })
    .await;
    (app, github)
}

fn report_of(tokens: &[&str]) -> String {
    let items: Vec<Value> = tokens
        .iter()
        .map(|t| json!({"token": t, "type": "sesame_api_key", "url": FOUND_AT, "source": "content"}))
        .collect();
    Value::Array(items).to_string()
}

/// Posts `body` with the headers given (name, value).
async fn post_raw(app: &TestApp, body: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = app.client.post(app.url(REPORTS)).header("Content-Type", "application/json").body(body.to_owned());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
}

/// Posts `body` signed by GitHub's current key.
async fn report(app: &TestApp, github: &Github, body: &str) -> (u16, Value) {
    let signature = sign(&github.key, body.as_bytes());
    post_raw(
        app,
        body,
        &[("Github-Public-Key-Identifier", KEY_ID), ("Github-Public-Key-Signature", signature.as_str())],
    )
    .await
}

fn labels(answer: &Value) -> Vec<&str> {
    answer.as_array().unwrap().iter().map(|v| v["label"].as_str().unwrap()).collect()
}

async fn leak_events(app: &TestApp, key_id: &str) -> Vec<Value> {
    let (status, body) = app.get("/developers/audit_events?limit=100", &app.root_secret).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "api_key.leaked" && e["target_id"] == key_id)
        .cloned()
        .collect()
}

async fn a_signed_report_revokes_the_key_and_audits_it_once(backend: Backend) {
    let (app, github) = spawn_scanning(backend, OnLeakSetting::Revoke).await;
    let (id, secret) = app.key_with(&["products.read"]).await;
    let body = report_of(&[&secret]);

    let (status, answer) = report(&app, &github, &body).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!([{"token_raw": secret, "token_type": "sesame_api_key", "label": "true_positive"}]));
    let (_, verified) = app.verify(&json!({"key": secret})).await;
    assert_eq!(verified["data"]["code"], "REVOKED", "{verified}");
    let (_, key) = app.get(&format!("/developers/api_keys/{id}"), &app.root_secret).await;
    assert_eq!(key["data"]["status"], "revoked", "{key}");
    assert!(key["data"]["leaked_at"].is_string(), "{key}");
    assert_eq!(key["data"]["leaked_at"], key["data"]["revoked_at"]);

    // Replayed: the same answer, nothing changed, no second event.
    let (status, again) = report(&app, &github, &body).await;
    assert_eq!((status, &again), (200, &answer));
    let (_, after) = app.get(&format!("/developers/api_keys/{id}"), &app.root_secret).await;
    assert_eq!(after["data"]["leaked_at"], key["data"]["leaked_at"]);
    let events = leak_events(&app, &id).await;
    assert_eq!(events.len(), 1, "one leak, one event: {events:?}");
    let event = &events[0];
    assert_eq!(event["actor"], "system:secret_scanning");
    assert_eq!(event["after"]["report"]["url"], FOUND_AT);
    assert_eq!(event["after"]["report"]["source"], "content");
    assert!(event["after"]["revoked_at"].is_string(), "{event}");
    assert!(!event.to_string().contains(&secret[8..]), "the token is never stored");
}

async fn with_on_leak_flag_the_key_keeps_verifying_and_shows_leaked_at(backend: Backend) {
    let (app, github) = spawn_scanning(backend, OnLeakSetting::Flag).await;
    let (id, secret) = app.key_with(&[]).await;
    // Cached as valid before the report: the report must reach the cache.
    let (_, before) = app.verify(&json!({"key": secret})).await;
    assert_eq!(before["data"]["code"], "VALID");
    assert!(before["data"].get("leaked_at").is_none(), "{before}");

    let (status, answer) = report(&app, &github, &report_of(&[&secret])).await;

    assert_eq!((status, labels(&answer)), (200, vec!["true_positive"]));
    let (_, verified) = app.verify(&json!({"key": secret})).await;
    assert_eq!(verified["data"]["code"], "VALID", "a flagged key keeps working: {verified}");
    assert!(verified["data"]["leaked_at"].is_string(), "{verified}");
    let (_, key) = app.get(&format!("/developers/api_keys/{id}"), &app.root_secret).await;
    assert_eq!(key["data"]["status"], "active");
    assert_eq!(key["data"]["revoked_at"], Value::Null);
    assert_eq!(key["data"]["leaked_at"], verified["data"]["leaked_at"]);
    let events = leak_events(&app, &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["after"]["report"]["on_leak"], "flag");
}

/// Request headers, by name.
type Headers<'a> = Vec<(&'a str, &'a str)>;

async fn a_bad_signature_is_401_and_revokes_nothing(backend: Backend) {
    let (app, github) = spawn_scanning(backend, OnLeakSetting::Revoke).await;
    let (id, secret) = app.key_with(&[]).await;
    let body = report_of(&[&secret]);
    let good = sign(&github.key, body.as_bytes());
    let stranger = sign(&random_key(), body.as_bytes());
    let tampered = report_of(&[&secret, &unissued_key()]);

    let cases: Vec<(String, Headers, &str)> = vec![
        (
            body.clone(),
            vec![("Github-Public-Key-Identifier", KEY_ID), ("Github-Public-Key-Signature", &stranger)],
            "does not match",
        ),
        (
            tampered,
            vec![("Github-Public-Key-Identifier", KEY_ID), ("Github-Public-Key-Signature", &good)],
            "does not match",
        ),
        (
            body.clone(),
            vec![("Github-Public-Key-Identifier", "an-older-key"), ("Github-Public-Key-Signature", &good)],
            "does not match",
        ),
        (
            body.clone(),
            vec![("Github-Public-Key-Identifier", "nobody"), ("Github-Public-Key-Signature", &good)],
            "not one of the configured keys",
        ),
        (
            body.clone(),
            vec![("Github-Public-Key-Identifier", KEY_ID), ("Github-Public-Key-Signature", "bm90IGEgc2lnbmF0dXJl")],
            "not base64 of a DER",
        ),
        (body.clone(), vec![("Github-Public-Key-Signature", &good)], "Github-Public-Key-Identifier"),
        (body.clone(), vec![("Github-Public-Key-Identifier", KEY_ID)], "Github-Public-Key-Signature"),
        // Unsigned garbage is refused for its signature, not its shape.
        ("not json".to_owned(), vec![], "Github-Public-Key-Identifier"),
    ];
    for (body, headers, problem) in cases {
        let (status, answer) = post_raw(&app, &body, &headers).await;
        assert_eq!(status, 401, "{headers:?}: {answer}");
        assert!(answer.to_string().contains(problem), "{problem}: {answer}");
    }

    let (_, verified) = app.verify(&json!({"key": secret})).await;
    assert_eq!(verified["data"]["code"], "VALID");
    assert!(leak_events(&app, &id).await.is_empty());
}

async fn a_token_of_another_issuer_is_false_positive(backend: Backend) {
    let (app, github) = spawn_scanning(backend, OnLeakSetting::Revoke).await;
    let (_, secret) = app.key_with(&[]).await;
    let mut typo = secret.clone().into_bytes();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let wrong_secret = {
        let token = ApiToken::parse(&secret).unwrap();
        ApiToken::new(token.kind(), token.environment(), token.lookup(), SecretBytes::from_bytes([9; 32])).expose()
    };
    let foreign = ["ghp_16C7e42F292c6912E7710c838347Ae178B4a", typo.as_str(), &unissued_key(), &wrong_secret];

    let (status, answer) = report(&app, &github, &report_of(&foreign)).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(labels(&answer), vec!["false_positive"; 4]);
    let echoed: Vec<&str> = answer.as_array().unwrap().iter().map(|v| v["token_raw"].as_str().unwrap()).collect();
    assert_eq!(echoed, foreign, "in the report's order");
    let (_, verified) = app.verify(&json!({"key": secret})).await;
    assert_eq!(verified["data"]["code"], "VALID", "a lookalike of a key revokes nothing");
    // An empty report is a report.
    assert_eq!(report(&app, &github, "[]").await, (200, json!([])));
}

async fn every_bad_report_is_a_4xx_naming_the_problem(backend: Backend) {
    let (app, github) = spawn_scanning(backend, OnLeakSetting::Revoke).await;
    for (body, status, problem) in [
        ("[{\"token\": ", 400, "not valid JSON"),
        ("{}", 422, "body"),
        (r#"[{"type": "sesame_api_key", "url": "https://github.com/o/r"}]"#, 422, "[0].token"),
        (r#"[{"token": 7, "type": "t", "url": "u"}]"#, 422, "[0].token"),
    ] {
        let (got, answer) = report(&app, &github, body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer.to_string().contains(problem), "{problem}: {answer}");
    }
    let signature = sign(&github.key, b"[]");
    let res = app
        .client
        .post(app.url(REPORTS))
        .header("Content-Type", "text/plain")
        .header("Github-Public-Key-Identifier", KEY_ID)
        .header("Github-Public-Key-Signature", signature)
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.text().await.unwrap().contains("application/json"));

    // Just over `server.max_body_bytes` (64 KiB).
    let huge = report_of(&["sk_live_x"; 400]);
    assert!((65_536..100_000).contains(&huge.len()), "{}", huge.len());
    let (status, answer) = report(&app, &github, &huge).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.to_string().contains("65536 bytes"), "{answer}");
    let (status, answer) = app.get(REPORTS, &app.root_secret).await;
    assert_eq!(status, 405, "{answer}");

    // Off unless configured: 404 naming the setting.
    let off = spawn_app(backend).await;
    let (status, answer) = report(&off, &github, &report_of(&["sk_live_x"])).await;
    assert_eq!(status, 404, "{answer}");
    assert!(answer.to_string().contains("secret_scanning.github_public_keys_file"), "{answer}");
}

/// The pattern registered with GitHub finds every key Sesame issues, of
/// every kind and environment, in text as a scanner reads it, and nothing
/// that only resembles one.
#[tokio::test]
async fn the_registered_pattern_matches_issued_keys_and_no_near_miss() {
    let in_text = Regex::new(&format!(r"(?:\A|[^0-9A-Za-z_])({TOKEN_PATTERN})(?:\z|[^0-9A-Za-z_])")).unwrap();
    let whole = Regex::new(&format!("^{TOKEN_PATTERN}$")).unwrap();
    let found = |text: &str| in_text.captures(text).map(|c| c[1].to_owned());

    let app = spawn_app(Backend::Sqlite).await;
    let mut issued = Vec::new();
    for kind in ["secret", "publishable"] {
        for environment in ["live", "test"] {
            let key = app.create_key(&json!({"label": "scan me", "kind": kind, "environment": environment})).await;
            issued.push(key["secret"].as_str().unwrap().to_owned());
        }
    }
    let prefixes: Vec<&str> = issued.iter().map(|k| &k[..8]).collect();
    assert_eq!(prefixes, ["sk_live_", "sk_test_", "pk_live_", "pk_test_"]);
    // Many more, of every shape the body can take, including small leading bytes.
    for n in 0..4000u32 {
        let kind = if n % 2 == 0 { KeyKind::Secret } else { KeyKind::Publishable };
        let env = if n % 4 < 2 { Environment::Live } else { Environment::Test };
        let mut lookup = *uuid::Uuid::new_v4().as_bytes();
        let zeros = (n % 7) as usize;
        lookup[..zeros].fill(0);
        let mut secret = [0u8; 32];
        secret[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        issued.push(ApiToken::new(kind, env, LookupId::from_bytes(lookup), SecretBytes::from_bytes(secret)).expose());
    }
    for key in &issued {
        assert!(whole.is_match(key), "{key}");
        for text in [
            format!("API_KEY={key}"),
            format!("\"{key}\","),
            format!("{key}\n"),
            key.clone(),
            format!("key: '{key}' # prod"),
        ] {
            assert_eq!(found(&text).as_deref(), Some(key.as_str()), "{text}");
        }
    }

    let key = &issued[0];
    let body = &key[8..];
    let near_misses = [
        format!("sk_prod_{body}"),
        format!("rk_live_{body}"),
        format!("SK_LIVE_{body}"),
        format!("sk-live-{body}"),
        format!("sk_live{body}"),
        format!("xsk_live_{body}"),
        format!("{key}_suffix"),
        format!("sk_live_{}", &body[..51.min(body.len())]),
        format!("sk_live_{body}{}", "1".repeat(73 - body.len())),
        format!("sk_live_{}0{}", &body[..10], &body[11..]),
        format!("sk_live_{}O{}", &body[..10], &body[11..]),
        format!("sk_live_{}I{}", &body[..10], &body[11..]),
        format!("sk_live_{}l{}", &body[..10], &body[11..]),
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a".to_owned(),
    ];
    for text in &near_misses {
        assert_eq!(found(text), None, "{text}");
    }

    // The documentation gives the very pattern the tests check.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/secret-scanning.md")).unwrap();
    assert!(doc.contains(TOKEN_PATTERN), "docs/secret-scanning.md gives another pattern than {TOKEN_PATTERN}");
}
