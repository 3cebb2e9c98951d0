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
    let res = app.client.get(app.url("/developers/api_keys")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429, "the key is now refused from this address, even with its right secret");
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
    for _ in 0..3 {
        assert_eq!(app.verify(&json!({"key": unissued_key()})).await.0, 200, "the budget admits exactly 3");
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

/// A client whose requests come from another loopback address than the
/// test's default 127.0.0.1.
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(address.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
}

async fn wrong_secrets_from_one_address_do_not_lock_the_key_out_from_another(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits = LimitSettings { failures_per_key: 3, failures_per_ip: 100, window_secs: 3600, ..Default::default() }
    })
    .await;
    let (_, secret) = app.key_with(&["api_keys.read"]).await;
    let attacker = client_from("127.0.0.66");
    for _ in 0..10 {
        attacker.get(app.url("/developers/api_keys")).bearer_auth(wrong_secret_for(&secret)).send().await.unwrap();
    }
    let res = attacker.get(app.url("/developers/api_keys")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429, "the attacker's address is refused");

    let owner = client_from("127.0.0.7");
    let res = owner.get(app.url("/developers/api_keys")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "the owner, from its own address, is not locked out");
}

async fn an_address_out_of_budget_for_unknown_keys_still_verifies_its_valid_keys(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits = LimitSettings { failures_per_key: 10, failures_per_ip: 5, window_secs: 3600, ..Default::default() }
    })
    .await;
    let (_, secret) = app.key_with(&["api_keys.read"]).await;
    // A gateway relaying its clients' keys from one address.
    let gateway = client_from("127.0.0.9");
    let verify = |key: String| gateway.post(app.url("/developers/api_keys/verify")).json(&json!({ "key": key })).send();
    for _ in 0..5 {
        assert_eq!(verify(unissued_key()).await.unwrap().status().as_u16(), 200);
    }
    assert_eq!(verify(unissued_key()).await.unwrap().status().as_u16(), 429, "unknown keys are refused now");

    let res = verify(secret.clone()).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["data"]["code"], "VALID", "an uncached valid key from that address still verifies: {body}");
}

async fn concurrent_unknown_keys_never_overshoot_the_address_budget(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.limits = LimitSettings { failures_per_key: 10, failures_per_ip: 100, window_secs: 3600, ..Default::default() }
    })
    .await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..105 {
        let (client, url) = (app.client.clone(), app.url("/developers/api_keys/verify"));
        attempts.spawn(async move { client.post(url).json(&json!({ "key": unissued_key() })).send().await });
    }
    let mut statuses = Vec::new();
    while let Some(sent) = attempts.join_next().await {
        statuses.push(sent.expect("the request task").expect("the request is sent").status().as_u16());
    }
    let judged = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((judged, refused), (100, 5), "{statuses:?}");
}

on_both_backends!(
    wrong_secrets_from_one_address_do_not_lock_the_key_out_from_another,
    an_address_out_of_budget_for_unknown_keys_still_verifies_its_valid_keys,
    concurrent_unknown_keys_never_overshoot_the_address_budget,
    revoking_a_cached_key_makes_the_next_verify_fail,
    narrowing_a_cached_keys_scopes_takes_effect_at_once,
    wrong_secrets_for_one_key_get_429_then_recover_after_the_window,
    unknown_keys_from_one_ip_get_429,
);
