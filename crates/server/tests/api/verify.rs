use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, unissued_key};

const VERIFY: &str = "/developers/api_keys/verify";

async fn a_valid_key_verifies_with_its_details(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .create_key(&json!({"label": "svc", "scopes": ["products.read"], "metadata": {"plan": "pro"}, "expires_at": "2099-01-01 00:00:00"}))
        .await;

    let (status, body) = app.verify(&json!({"key": created["secret"], "required_scopes": ["products.read"]})).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!({
            "valid": true, "code": "VALID", "key_id": created["id"], "organization_id": app.organization_id,
            "environment": "live", "scopes": ["products.read"], "expires_at": "2099-01-01 00:00:00",
            "metadata": {"plan": "pro"}
        })
    );
}

async fn an_invalid_key_learns_only_its_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = app.key_with(&["products.read"]).await;
    let office = app.create_key(&json!({"label": "office", "ip_allow_list": ["10.0.0.0/8"]})).await;
    let unknown = unissued_key();

    let cases = [
        (json!({"key": "nonsense"}), "MALFORMED"),
        (json!({"key": unknown}), "NOT_FOUND"),
        (json!({"key": secret, "required_scopes": ["products.delete"]}), "INSUFFICIENT_SCOPE"),
        (json!({"key": office["secret"], "ip": "192.168.1.1"}), "FORBIDDEN_IP"),
        (json!({"key": office["secret"]}), "FORBIDDEN_IP"),
    ];
    for (request, code) in cases {
        let (status, body) = app.verify(&request).await;
        assert_eq!(status, 200);
        let data = &body["data"];
        assert_eq!(data["code"], code, "{request}");
        assert_eq!(data["valid"], false);
        for field in ["key_id", "organization_id", "environment", "scopes", "expires_at", "metadata"] {
            assert_eq!(data[field], Value::Null, "{code} leaks {field}");
        }
    }
    let (_, body) = app.verify(&json!({"key": office["secret"], "ip": "10.1.2.3"})).await;
    assert_eq!(body["data"]["code"], "VALID");
}

async fn a_caller_key_needs_api_keys_read_and_sees_only_its_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, target) = app.key_with(&[]).await;
    let (_, reader) = app.key_with(&["api_keys.read"]).await;
    let (_, weak) = app.key_with(&[]).await;
    let (_, body) = app.post("/developers/organizations", &app.root_secret, &json!({"name": "Other"})).await;
    let other = body["data"]["api_key"]["secret"].as_str().unwrap().to_owned();

    assert_eq!(app.post(VERIFY, &reader, &json!({"key": target})).await.1["data"]["code"], "VALID");
    assert_eq!(app.post(VERIFY, &weak, &json!({"key": target})).await.0, 403);
    assert_eq!(app.post(VERIFY, &other, &json!({"key": target})).await.1["data"]["code"], "NOT_FOUND");
    assert_eq!(
        app.post(VERIFY, "garbage", &json!({"key": target})).await.0,
        401,
        "a caller key that is sent must be valid"
    );
}

async fn bad_verify_requests_name_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = app.key_with(&[]).await;
    let (status, body) = app.verify(&json!({"key": secret, "required_scopes": ["nope"], "ip": "1.2.3"})).await;
    assert_eq!(status, 422);
    assert!(body["validator"]["required_scopes"].is_string() && body["validator"]["ip"].is_string(), "{body}");
    let (status, body) = app.verify(&json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(body["validator"], json!({"key": "is required"}));
}

async fn a_verified_key_counts_its_uses(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = app.key_with(&[]).await;
    for _ in 0..4 {
        assert_eq!(app.verify(&json!({"key": secret, "ip": "203.0.113.9"})).await.1["data"]["code"], "VALID");
    }
    app.verify(&json!({"key": secret, "required_scopes": ["products.read"]})).await;
    app.usage.flush().await.unwrap();

    let (_, body) = app.get(&format!("/developers/api_keys/{id}"), &app.root_secret).await;
    assert_eq!(body["data"]["metrics"]["total_requests"], 4, "only valid verifications count");
    assert_eq!(body["data"]["last_used_ip"], "203.0.113.9");
}

on_both_backends!(
    a_valid_key_verifies_with_its_details,
    an_invalid_key_learns_only_its_code,
    a_caller_key_needs_api_keys_read_and_sees_only_its_organization,
    bad_verify_requests_name_the_field,
    a_verified_key_counts_its_uses,
);
