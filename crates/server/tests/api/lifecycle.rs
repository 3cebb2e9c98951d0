use std::time::Duration;

use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::spawn_app;

const KEYS: &str = "/developers/api_keys";

fn key_path(id: &str) -> String {
    format!("{KEYS}/{id}")
}

async fn the_whole_lifecycle_of_one_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();

    // Create.
    let created = app
        .create_key(&json!({
            "label": "Checkout", "scopes": ["api_keys.create", "api_keys.read", "products.read"],
            "metadata": {"team": "payments"}
        }))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();

    // Read: no secret, status, usage fields.
    let (status, body) = app.get(&key_path(&id), &root).await;
    assert_eq!(status, 200, "{body}");
    let key = &body["data"];
    assert!(key.get("secret").is_none());
    assert_eq!(key["status"], "active");
    assert_eq!(key["metadata"], json!({"team": "payments"}));
    assert!(secret.starts_with(key["key_prefix"].as_str().unwrap()));

    // List contains it, never with a secret.
    let (status, body) = app.get(KEYS, &root).await;
    assert_eq!(status, 200);
    let items = body["data"]["items"].as_array().unwrap();
    assert!(items.iter().any(|k| k["id"] == id.as_str()));
    assert!(items.iter().all(|k| k.get("secret").is_none()));

    // Update.
    let (status, body) = app
        .patch(
            &key_path(&id),
            &root,
            &json!({"label": "Checkout v2", "scopes": ["products.read"], "expires_at": "2099-01-01 00:00:00"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["label"], "Checkout v2");
    assert_eq!(body["data"]["scopes"], json!(["products.read"]));
    assert_eq!(body["data"]["expires_at"], "2099-01-01 00:00:00");
    assert!(body["data"]["updated_at"].is_string());
    let (_, body) = app.patch(&key_path(&id), &root, &json!({"expires_at": null})).await;
    assert_eq!(body["data"]["expires_at"], Value::Null);

    // Rotate: the old secret stops at once, the new one works.
    let (status, body) = app.post(&format!("{}/rotate", key_path(&id)), &root, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let new_secret = body["data"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "EXPIRED");
    assert_eq!(app.verify(&json!({"key": new_secret})).await.1["data"]["code"], "VALID");

    // Revoke, twice.
    let (status, body) = app.delete(&key_path(&id), &root).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["revoked_at"].is_string());
    assert_eq!(body["data"]["status"], "revoked");
    let (status, again) = app.delete(&key_path(&id), &root).await;
    assert_eq!(status, 200);
    assert_eq!(again["data"]["revoked_at"], body["data"]["revoked_at"]);
    assert_eq!(app.verify(&json!({"key": new_secret})).await.1["data"]["code"], "REVOKED");
    let (status, body) = app.get(&key_path(&id), &root).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "revoked");

    // A revoked key cannot change.
    let (status, _) = app.patch(&key_path(&id), &root, &json!({"label": "zombie"})).await;
    assert_eq!(status, 409);

    // The audit trail, newest first.
    let (status, body) = app.get("/developers/audit_events?limit=100", &root).await;
    assert_eq!(status, 200, "{body}");
    let actions: Vec<&str> = body["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_id"] == id.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["api_key.revoked", "api_key.rotated", "api_key.updated", "api_key.updated", "api_key.created"]
    );
    let trail = body.to_string();
    assert!(!trail.contains(&secret[8..]) && !trail.contains(&new_secret[8..]), "no secret in the audit trail");
    assert!(!trail.contains("argon2"), "no hash in the audit trail");
}

async fn a_revoked_key_fails_the_very_next_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = app.key_with(&["api_keys.read"]).await;
    assert_eq!(app.get(KEYS, &secret).await.0, 200);

    assert_eq!(app.delete(&key_path(&id), &app.root_secret).await.0, 200);

    let (status, body) = app.get(KEYS, &secret).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "the API key has been revoked");
}

async fn a_rotated_keys_old_secret_works_only_during_its_grace_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, old) = app.key_with(&["api_keys.read"]).await;

    let (status, body) =
        app.post(&format!("{}/rotate", key_path(&id)), &app.root_secret, &json!({"grace_period_seconds": 2})).await;
    assert_eq!(status, 200, "{body}");
    let new = body["data"]["secret"].as_str().unwrap().to_owned();

    assert_eq!(app.get(KEYS, &old).await.0, 200, "the old secret works during the grace period");
    assert_eq!(app.get(KEYS, &new).await.0, 200);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(app.get(KEYS, &old).await.0, 401, "the old secret stops after the grace period");
    assert_eq!(app.get(KEYS, &new).await.0, 200);
}

async fn rotation_needs_no_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, _) = app.key_with(&[]).await;
    let res = app
        .client
        .post(app.url(&format!("{}/rotate", key_path(&id))))
        .bearer_auth(&app.root_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

async fn a_key_without_the_scope_gets_403_on_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let (target, _) = app.key_with(&[]).await;
    let (_, weak) = app.key_with(&["products.read"]).await;

    assert_eq!(app.get(KEYS, &weak).await.0, 403);
    assert_eq!(app.get(&key_path(&target), &weak).await.0, 403);
    assert_eq!(app.patch(&key_path(&target), &weak, &json!({"label": "x"})).await.0, 403);
    assert_eq!(app.post(&format!("{}/rotate", key_path(&target)), &weak, &json!({})).await.0, 403);
    assert_eq!(app.delete(&key_path(&target), &weak).await.0, 403);
    assert_eq!(app.get("/developers/audit_events", &weak).await.0, 403);
}

async fn a_key_cannot_manage_a_more_powerful_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, manager) = app.key_with(&["api_keys.read", "api_keys.update", "api_keys.delete"]).await;

    let (status, body) = app.delete(&key_path(&app.root_key_id), &manager).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = app.patch(&key_path(&app.root_key_id), &manager, &json!({"label": "mine"})).await;
    assert_eq!(status, 403);
    let (status, _) = app.get(KEYS, &app.root_secret).await;
    assert_eq!(status, 200, "the root key still works");
}

async fn bad_ids_cursors_and_bodies_give_4xx_with_a_validator(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();
    let (id, _) = app.key_with(&[]).await;

    let cases: Vec<(u16, Value, &str)> = vec![
        {
            let (s, b) = app.get(&key_path("nope"), &root).await;
            (s, b, "id")
        },
        {
            let (s, b) = app.get(&key_path("api_key_not-a-uuid"), &root).await;
            (s, b, "id")
        },
        {
            let (s, b) = app.get(&format!("{KEYS}?cursor=garbage"), &root).await;
            (s, b, "cursor")
        },
        {
            let (s, b) = app.get(&format!("{KEYS}?limit=abc"), &root).await;
            (s, b, "limit")
        },
        {
            let (s, b) = app.get(&format!("{KEYS}?limit=1000"), &root).await;
            (s, b, "limit")
        },
        {
            let (s, b) = app.get(&format!("{KEYS}?status=deleted"), &root).await;
            (s, b, "status")
        },
        {
            let (s, b) = app.get("/developers/audit_events?cursor=x", &root).await;
            (s, b, "cursor")
        },
        {
            let (s, b) = app.patch(&key_path(&id), &root, &json!({})).await;
            (s, b, "body")
        },
        {
            let (s, b) = app.patch(&key_path(&id), &root, &json!({"label": 7})).await;
            (s, b, "label")
        },
        {
            let (s, b) = app.patch(&key_path(&id), &root, &json!({"expires_at": "soon"})).await;
            (s, b, "expires_at")
        },
        {
            let (s, b) = app
                .post(&format!("{}/rotate", key_path(&id)), &root, &json!({"grace_period_seconds": 999999999}))
                .await;
            (s, b, "grace_period_seconds")
        },
        {
            let (s, b) =
                app.post(&format!("{}/rotate", key_path(&id)), &root, &json!({"grace_period_seconds": -1})).await;
            (s, b, "grace_period_seconds")
        },
    ];
    for (status, body, field) in cases {
        assert!((400..500).contains(&status), "{field}: {status} {body}");
        assert!(body["validator"][field].is_string(), "{field}: {body}");
    }
}

async fn a_missing_key_of_the_organization_is_a_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = format!("api_key_{}", uuid::Uuid::now_v7());
    assert_eq!(app.get(&key_path(&unknown), &app.root_secret).await.0, 404);
    assert_eq!(app.delete(&key_path(&unknown), &app.root_secret).await.0, 404);
}

async fn pages_follow_each_other_without_overlap(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        app.key_with(&[]).await;
    }
    let mut seen = Vec::new();
    let mut path = format!("{KEYS}?limit=2");
    loop {
        let (status, body) = app.get(&path, &app.root_secret).await;
        assert_eq!(status, 200, "{body}");
        for item in body["data"]["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match body["data"]["next_cursor"].as_str() {
            Some(cursor) => path = format!("{KEYS}?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first");
    sorted.dedup();
    assert_eq!(sorted.len(), 6, "five keys and the root key, each once");
}

async fn listing_filters_by_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let (revoked, _) = app.key_with(&[]).await;
    app.delete(&key_path(&revoked), &app.root_secret).await;

    let (_, body) = app.get(&format!("{KEYS}?status=revoked"), &app.root_secret).await;
    let ids: Vec<&str> = body["data"]["items"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![revoked.as_str()]);
    let (_, body) = app.get(&format!("{KEYS}?status=active"), &app.root_secret).await;
    assert!(body["data"]["items"].as_array().unwrap().iter().all(|k| k["status"] == "active"));
}

async fn test_keys_see_and_manage_only_test_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let test = app
        .create_key(&json!({"label": "sandbox", "environment": "test", "scopes": ["api_keys.create", "api_keys.read", "api_keys.delete"]}))
        .await;
    let test_secret = test["secret"].as_str().unwrap();
    assert!(test_secret.starts_with("sk_test_"));

    let (status, body) = app.get(KEYS, test_secret).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["data"]["items"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![test["id"].as_str().unwrap()], "a test key sees only test keys");
    assert_eq!(app.get(&key_path(&app.root_key_id), test_secret).await.0, 404);
    assert_eq!(app.delete(&key_path(&app.root_key_id), test_secret).await.0, 404);
    assert_eq!(
        app.get(&key_path(test["id"].as_str().unwrap()), &app.root_secret).await.0,
        404,
        "and live keys only live ones"
    );

    let (status, body) = app.post(KEYS, test_secret, &json!({"label": "x", "environment": "live"})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app.post(KEYS, test_secret, &json!({"label": "x"})).await;
    assert_eq!(status, 201);
    assert!(body["data"]["secret"].as_str().unwrap().starts_with("sk_test_"));

    // The audit trail too: a test key reads what test keys did, and no more.
    let (_, body) = app.get("/developers/audit_events", test_secret).await;
    let events = body["data"]["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{body}");
    assert_eq!(events[0]["actor"], test["id"]);
    assert_eq!(events[0]["environment"], "test");
    let (_, body) = app.get("/developers/audit_events?limit=100", &app.root_secret).await;
    assert!(body["data"]["items"].as_array().unwrap().iter().all(|e| e["environment"] == "live"));
}

async fn usage_is_counted_per_authenticated_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = app.key_with(&["api_keys.read"]).await;
    for _ in 0..3 {
        let res = app
            .client
            .get(app.url(KEYS))
            .bearer_auth(&secret)
            .header("User-Agent", "sesame-test/1.0")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
    app.usage.flush().await.unwrap();

    let (_, body) = app.get(&key_path(&id), &app.root_secret).await;
    let key = &body["data"];
    assert_eq!(key["metrics"]["total_requests"], 3);
    assert!(key["metrics"]["last_used_at"].is_string());
    assert_eq!(key["last_used_ip"], "127.0.0.1");
    assert_eq!(key["last_used_user_agent"], "sesame-test/1.0");
}

async fn concurrent_revokes_of_one_key_are_audited_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, _) = app.key_with(&[]).await;
    let mut revokes = tokio::task::JoinSet::new();
    for _ in 0..25 {
        let (client, url, root) = (app.client.clone(), app.url(&key_path(&id)), app.root_secret.clone());
        revokes.spawn(async move { client.delete(url).bearer_auth(root).send().await.map(|r| r.status().as_u16()) });
    }
    while let Some(status) = revokes.join_next().await {
        assert_eq!(status.expect("the request task").expect("the request is sent"), 200);
    }
    let (_, body) = app.get("/developers/audit_events?limit=100", &app.root_secret).await;
    let revocations = body["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "api_key.revoked" && e["target_id"] == id.as_str())
        .count();
    assert_eq!(revocations, 1, "one revocation, one event: {body}");
}

on_both_backends!(
    concurrent_revokes_of_one_key_are_audited_once,
    the_whole_lifecycle_of_one_key,
    a_revoked_key_fails_the_very_next_request,
    a_rotated_keys_old_secret_works_only_during_its_grace_period,
    rotation_needs_no_body,
    a_key_without_the_scope_gets_403_on_every_endpoint,
    a_key_cannot_manage_a_more_powerful_key,
    bad_ids_cursors_and_bodies_give_4xx_with_a_validator,
    a_missing_key_of_the_organization_is_a_404,
    pages_follow_each_other_without_overlap,
    listing_filters_by_status,
    test_keys_see_and_manage_only_test_keys,
    usage_is_counted_per_authenticated_request,
);
