use std::time::Duration;

use serde_json::json;
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;
use sesame_server::settings::LimitSettings;

use crate::helpers::{spawn_app, spawn_app_with, unissued_key};

/// The same key id (lookup part) with a wrong secret: passes the checksum,
/// fails the hash.
fn wrong_secret_for(secret: &str) -> String {
    use sesame_domain::{ApiToken, SecretBytes};
    let token = ApiToken::parse(secret).expect("a real token");
    ApiToken::new(token.kind(), token.environment(), token.lookup(), SecretBytes::from_bytes([9; 32])).expose()
}

async fn revoking_a_cached_key_makes_the_next_verify_fail(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = app.key_with(&["api_keys.read"]).await;
    for _ in 0..3 {
        assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "VALID");
        assert_eq!(app.get("/developers/api_keys", &secret).await.0, 200);
    }

    assert_eq!(app.delete(&format!("/developers/api_keys/{id}"), &app.root_secret).await.0, 200);

    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "REVOKED");
    assert_eq!(app.get("/developers/api_keys", &secret).await.0, 401);
}

async fn narrowing_a_cached_keys_scopes_takes_effect_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = app.key_with(&["api_keys.read", "products.read"]).await;
    let wants_products = json!({"key": secret, "required_scopes": ["products.read"]});
    assert_eq!(app.verify(&wants_products).await.1["data"]["code"], "VALID");

    let (status, _) =
        app.patch(&format!("/developers/api_keys/{id}"), &app.root_secret, &json!({"scopes": ["api_keys.read"]})).await;
    assert_eq!(status, 200);

    assert_eq!(app.verify(&wants_products).await.1["data"]["code"], "INSUFFICIENT_SCOPE");
}

async fn wrong_secrets_for_one_key_get_429_then_recover_after_the_window(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits = LimitSettings { failures_per_key: 3, failures_per_ip: 0, window_secs: 2, ..Default::default() }
    })
    .await;
    let (_, secret) = app.key_with(&["api_keys.read"]).await;
    let wrong = wrong_secret_for(&secret);

    for _ in 0..3 {
        assert_eq!(app.get("/developers/api_keys", &wrong).await.0, 401);
    }
    let res = app.client.get(app.url("/developers/api_keys")).bearer_auth(&wrong).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401, "the attempt that empties the budget is still judged");
    let res = app.client.get(app.url("/developers/api_keys")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429, "the key id is now blocked, even for its right secret");
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let (status, body) = app.verify(&json!({"key": wrong})).await;
    assert_eq!(status, 429, "{body}");

    tokio::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(200)).await;

    assert_eq!(app.get("/developers/api_keys", &secret).await.0, 200, "the block ends with the window");
}

async fn unknown_keys_from_one_ip_get_429(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits = LimitSettings { failures_per_key: 0, failures_per_ip: 3, window_secs: 60, ..Default::default() }
    })
    .await;
    assert_eq!(app.get("/developers/api_keys", &app.root_secret).await.0, 200, "caches the root key");
    for _ in 0..4 {
        assert_eq!(app.verify(&json!({"key": unissued_key()})).await.0, 200);
    }
    let (status, body) = app.verify(&json!({"key": unissued_key()})).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["status"], 429);
    let (status, _) = app.verify(&json!({"key": unissued_key(), "ip": "203.0.113.50"})).await;
    assert_eq!(status, 429, "naming another client IP in the body does not escape the caller's budget");
    assert_eq!(
        app.get("/developers/api_keys", &app.root_secret).await.0,
        200,
        "a cached valid key from that IP is unaffected"
    );
}

on_both_backends!(
    revoking_a_cached_key_makes_the_next_verify_fail,
    narrowing_a_cached_keys_scopes_takes_effect_at_once,
    wrong_secrets_for_one_key_get_429_then_recover_after_the_window,
    unknown_keys_from_one_ip_get_429,
);
