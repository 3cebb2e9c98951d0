use std::time::Duration;

use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, spawn_app_with, status_and_json, unissued_key, wall_clock};

fn body(scopes: &[&str]) -> Value {
    json!({ "label": "Checkout service", "scopes": scopes })
}

async fn create_returns_201_and_shows_the_secret_once(backend: Backend) {
    let app = spawn_app(backend).await;

    let res = app.post_api_key(&app.root_secret, &body(&["products.create"])).await;

    assert_eq!(res.status().as_u16(), 201);
    let (_, json) = status_and_json(res).await;
    assert_eq!(json["status"], 201);
    assert_eq!(json["message"], "Resource created successfully");
    let data = &json["data"];
    assert!(data["secret"].as_str().unwrap().starts_with("sk_live_"));
    assert_eq!(data["organization_id"], app.organization_id.as_str());
    assert_eq!(data["scopes"], json!(["products.create"]));
    assert_eq!(data["metrics"]["total_requests"], 0);
}

async fn a_created_secret_holding_api_keys_create_can_create_another_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let child = app.create_key(&body(&["api_keys.create", "products.read"])).await;
    let child_secret = child["secret"].as_str().unwrap();

    let res = app.post_api_key(child_secret, &body(&["products.read"])).await;

    let (status, json) = status_and_json(res).await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(json["data"]["organization_id"], app.organization_id.as_str());
}

async fn a_key_without_api_keys_create_gets_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let child = app.create_key(&body(&["products.read"])).await;

    let res = app.post_api_key(child["secret"].as_str().unwrap(), &body(&[])).await;

    let (status, json) = status_and_json(res).await;
    assert_eq!(status, 403);
    assert!(json["error"].as_str().unwrap().contains("api_keys.create"), "{json}");
}

async fn a_caller_cannot_grant_a_scope_it_does_not_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let child = app.create_key(&body(&["api_keys.create", "products.read"])).await;

    let res = app.post_api_key(child["secret"].as_str().unwrap(), &body(&["products.read", "payments.create"])).await;

    let (status, json) = status_and_json(res).await;
    assert_eq!(status, 403);
    assert!(json["error"].as_str().unwrap().contains("payments.create"), "{json}");
}

async fn a_blank_label_is_rejected_with_a_validator_message(backend: Backend) {
    let app = spawn_app(backend).await;

    let res = app.post_api_key(&app.root_secret, &json!({ "label": "   " })).await;

    let (status, json) = status_and_json(res).await;
    assert_eq!(status, 422);
    assert_eq!(json["validator"], json!({ "label": "must not be blank" }));
    assert_eq!(json["data"], Value::Null);
}

async fn every_bad_field_is_named_in_the_validator(backend: Backend) {
    let app = spawn_app(backend).await;
    let bad = json!({
        "label": "x".repeat(256),
        "scopes": ["invoices.create", "invoices.destroy"],
        "ip_allow_list": ["10.0.0.0/8", "not-an-ip"],
        "expires_at": "2020-01-01 00:00:00",
    });

    let (status, json) = status_and_json(app.post_api_key(&app.root_secret, &bad).await).await;

    assert_eq!(status, 422);
    assert_eq!(
        json["validator"],
        json!({
            "label": "must be at most 255 characters",
            "scopes": "unknown scope `invoices.destroy`",
            "ip_allow_list": "`not-an-ip` is not an IP address or CIDR range",
            "expires_at": "must be in the future",
        })
    );
}

async fn a_missing_label_and_a_wrongly_typed_field_are_422s_naming_them(backend: Backend) {
    let app = spawn_app(backend).await;

    let (status, json) = status_and_json(app.post_api_key(&app.root_secret, &json!({ "scopes": [] })).await).await;
    assert_eq!(status, 422);
    assert_eq!(json["validator"], json!({ "label": "is required" }));

    let wrong = json!({ "label": "x", "scopes": "products.read" });
    let (status, json) = status_and_json(app.post_api_key(&app.root_secret, &wrong).await).await;
    assert_eq!(status, 422);
    assert!(json["validator"]["scopes"].is_string(), "{json}");

    let unknown = json!({ "label": "x", "colour": "red" });
    let (status, json) = status_and_json(app.post_api_key(&app.root_secret, &unknown).await).await;
    assert_eq!(status, 422);
    assert_eq!(json["validator"], json!({ "colour": "is not a known field" }));
}

async fn malformed_json_and_a_wrong_content_type_are_400s(backend: Backend) {
    let app = spawn_app(backend).await;
    let post_raw = |content_type: &'static str, body: &'static str| {
        let request = app.client.post(app.url("/developers/api_keys")).bearer_auth(&app.root_secret);
        async move { status_and_json(request.header("Content-Type", content_type).body(body).send().await.unwrap()).await }
    };

    let (status, json) = post_raw("application/json", "{\"label\": ").await;
    assert_eq!(status, 400);
    assert!(json["validator"]["body"].as_str().unwrap().starts_with("is not valid JSON"), "{json}");

    let (status, json) = post_raw("text/plain", "{\"label\": \"x\"}").await;
    assert_eq!(status, 400);
    assert_eq!(json["validator"], json!({ "Content-Type": "must be application/json" }));
}

async fn requests_without_a_valid_key_get_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = app.url("/developers/api_keys");

    let res = app.client.post(&url).json(&body(&[])).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"sesame\"");

    for token in ["garbage", "sk_live_1111111111111111111111111111111111111111111111111111111111111111111111"] {
        let res = app.post_api_key(token, &body(&[])).await;
        assert_eq!(res.status().as_u16(), 401, "{token}");
    }

    // A well-formed key that was never issued: passes the checksum, fails the lookup.
    let (status, json) = status_and_json(app.post_api_key(&unissued_key(), &body(&[])).await).await;
    assert_eq!(status, 401);
    assert_eq!(json["error"], "the API key is not valid");

    // A mistyped key fails its checksum before any lookup.
    let mut typo = app.root_secret.clone();
    let replacement = if &typo[20..21] == "2" { "3" } else { "2" };
    typo.replace_range(20..21, replacement);
    let (status, json) = status_and_json(app.post_api_key(&typo, &body(&[])).await).await;
    assert_eq!(status, 401);
    assert_eq!(json["error"], "the API key is malformed");
}

async fn an_expired_key_gets_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let expires = (wall_clock() + chrono::Duration::seconds(2)).to_rfc3339();
    let child =
        app.create_key(&json!({ "label": "short-lived", "scopes": ["api_keys.create"], "expires_at": expires })).await;
    let secret = child["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.post_api_key(&secret, &body(&[])).await.status().as_u16(), 201);

    tokio::time::sleep(Duration::from_millis(2200)).await;

    let (status, json) = status_and_json(app.post_api_key(&secret, &body(&[])).await).await;
    assert_eq!(status, 401);
    assert_eq!(json["error"], "the API key has expired");
}

async fn the_callers_ip_allow_list_is_enforced_on_the_peer_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let elsewhere = app
        .create_key(&json!({ "label": "office", "scopes": ["api_keys.create"], "ip_allow_list": ["10.0.0.0/8"] }))
        .await;
    let here = app
        .create_key(&json!({ "label": "local", "scopes": ["api_keys.create"], "ip_allow_list": ["127.0.0.1", "::1"] }))
        .await;

    let (status, json) =
        status_and_json(app.post_api_key(elsewhere["secret"].as_str().unwrap(), &body(&[])).await).await;
    assert_eq!(status, 403);
    assert!(json["error"].as_str().unwrap().contains("IP address"), "{json}");

    let res = app.post_api_key(here["secret"].as_str().unwrap(), &body(&[])).await;
    assert_eq!(res.status().as_u16(), 201);
}

async fn an_ipv4_mapped_allow_list_entry_admits_its_ipv4_client(backend: Backend) {
    let app = spawn_app(backend).await;
    let mapped = app
        .create_key(&json!({ "label": "mapped", "scopes": ["api_keys.create"], "ip_allow_list": ["::ffff:127.0.0.1"] }))
        .await;
    assert_eq!(mapped["ip_allow_list"], json!(["127.0.0.1"]), "kept as the IPv4 address it stands for");
    let res = app.post_api_key(mapped["secret"].as_str().unwrap(), &body(&[])).await;
    assert_eq!(res.status().as_u16(), 201, "a client at 127.0.0.1 may use it");
}

async fn both_documented_time_formats_are_accepted_and_written_back_as_documented(backend: Backend) {
    let app = spawn_app(backend).await;

    let mysql = app.create_key(&json!({ "label": "a", "expires_at": "2099-06-29 16:03:44" })).await;
    let rfc = app.create_key(&json!({ "label": "b", "expires_at": "2099-06-29T18:03:44+02:00" })).await;

    assert_eq!(mysql["expires_at"], "2099-06-29 16:03:44");
    assert_eq!(rfc["expires_at"], "2099-06-29 16:03:44");
}

async fn times_at_the_edges_follow_one_rule_in_every_dialect_and_backend(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();
    let refused = [
        ("/developers/api_keys", json!({"label": "a", "expires_at": "2030-06-30 23:59:60"}), 422, "leap second"),
        ("/developers/api_keys", json!({"label": "a", "expires_at": "+10000-01-01 00:00:00"}), 422, "10000"),
        ("/v1/api-keys", json!({"name": "a", "expiresAt": "2030-06-30T23:59:60Z"}), 400, "leap second"),
        ("/v1/api-keys", json!({"name": "a", "expiresAt": "9999-12-31T23:59:59-23:59"}), 400, "10000"),
    ];
    for (path, body, status, problem) in refused {
        let (got, reply) = app.post(path, &root, &body).await;
        assert_eq!(got, status, "{path} {body}: {reply}");
        assert!(reply.to_string().contains(problem), "{path} {body}: {reply}");
    }

    // Kept to the second, so both backends read back what they were given.
    let key = app.create_key(&json!({ "label": "b", "expires_at": "2099-06-29T16:03:44.999999Z" })).await;
    assert_eq!(key["expires_at"], "2099-06-29 16:03:44");
    let (_, stored) = app.get(&format!("/developers/api_keys/{}", key["id"].as_str().unwrap()), &root).await;
    assert_eq!(stored["data"]["expires_at"], "2099-06-29 16:03:44");
}

async fn a_body_over_the_limit_is_413_in_every_dialect(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.server.max_body_bytes = 1024).await;
    let root = app.root_secret.clone();
    let long = "x".repeat(2048);
    let cases = [
        ("/developers/api_keys", json!({"label": long}), "/error"),
        ("/v1/api-keys", json!({"name": long}), "/message"),
        ("/api-keys", json!({"name": long}), "/message"),
    ];
    for (path, body, pointer) in cases {
        let (status, reply) = app.post(path, &root, &body).await;
        assert_eq!(status, 413, "{path}: {reply}");
        let said = reply.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
        assert!(said.contains("1024 bytes"), "{path}: {reply}");
    }
}

async fn a_control_character_in_any_text_field_is_a_4xx_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();
    let nul = "a\u{0}b";
    let cases = [
        ("/developers/api_keys", json!({"label": nul}), 422, "/validator/label"),
        ("/developers/api_keys", json!({"label": "ok", "description": nul}), 422, "/validator/description"),
        ("/developers/organizations", json!({"name": nul}), 422, "/validator/name"),
        ("/developers/service_accounts", json!({"name": "ok", "description": nul}), 422, "/validator/description"),
        ("/developers/service_accounts", json!({"name": "fake\nINFO api key revoked"}), 422, "/validator/name"),
        ("/v1/api-keys", json!({"name": nul}), 400, "/message"),
        ("/api-keys", json!({"name": nul}), 400, "/errors/name"),
    ];
    for (path, body, status, pointer) in cases {
        let (got, reply) = app.post(path, &root, &body).await;
        assert_eq!(got, status, "{path} {body}: {reply}");
        let problem = reply.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
        assert!(problem.contains("control characters"), "{path} {body}: {reply}");
    }
    let (_, keys) = app.get("/developers/api_keys?limit=100", &root).await;
    assert_eq!(keys["data"]["items"].as_array().unwrap().len(), 1, "nothing was written: {keys}");
}

on_both_backends!(
    a_control_character_in_any_text_field_is_a_4xx_naming_the_field,
    a_storage_failure_is_a_500_whose_support_id_is_the_request_id,
    create_returns_201_and_shows_the_secret_once,
    a_created_secret_holding_api_keys_create_can_create_another_key,
    a_key_without_api_keys_create_gets_403,
    a_caller_cannot_grant_a_scope_it_does_not_hold,
    a_blank_label_is_rejected_with_a_validator_message,
    every_bad_field_is_named_in_the_validator,
    a_missing_label_and_a_wrongly_typed_field_are_422s_naming_them,
    malformed_json_and_a_wrong_content_type_are_400s,
    requests_without_a_valid_key_get_401,
    an_expired_key_gets_401,
    the_callers_ip_allow_list_is_enforced_on_the_peer_address,
    an_ipv4_mapped_allow_list_entry_admits_its_ipv4_client,
    both_documented_time_formats_are_accepted_and_written_back_as_documented,
    times_at_the_edges_follow_one_rule_in_every_dialect_and_backend,
    a_body_over_the_limit_is_413_in_every_dialect,
);

async fn a_storage_failure_is_a_500_whose_support_id_is_the_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    app.break_audit_log().await;

    let res = app.post_api_key(&app.root_secret, &json!({"label": "doomed"})).await;

    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (status, body) = status_and_json(res).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["support_id"], request_id.as_str());
    assert_eq!(body["log"]["request_id"], request_id.as_str());
    assert!(!body.to_string().contains("audit_events"), "the cause stays in the logs: {body}");
}
