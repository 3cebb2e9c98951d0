//! Seed 001's dialect (`/v1/api-keys` without `account_id`): camelCase,
//! `{code, data, message, requestId}`, one coarse `scope`, checked against
//! the seed page (tests/seeds/001_…).

use reqwest::Method;
use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{is_rfc3339, spawn_app, unissued_key, wall_clock, Reply, TestApp};
use crate::seed_text::{assert_like_example, fields, json_object_at, position};

const SEED: &str = include_str!("../seeds/001_bfbbf7a034e879eb.txt");
const KEYS: &str = "/v1/api-keys";

/// The request body's fields as the seed lists them: (name, required).
fn documented_request_fields() -> Vec<(String, bool)> {
    let start = position(SEED, "Option 2\n") + "Option 2\n".len();
    let end = start + position(&SEED[start..], "Responses\n");
    let mut fields: Vec<(String, bool)> = Vec::new();
    let mut previous = "";
    for line in SEED[start..end].lines() {
        match line {
            "string" => fields.push((previous.to_owned(), false)),
            "REQUIRED" => fields.last_mut().expect("REQUIRED follows a field").1 = true,
            _ => {}
        }
        previous = line;
    }
    fields
}

/// The values of `scope` (`Enum:` line; the page runs the next field's
/// name into it).
fn documented_scope_levels() -> Vec<String> {
    let start = position(SEED, "Enum:\n") + "Enum:\n".len();
    let line = SEED[start..].lines().next().expect("the enum's values");
    let values = line.strip_suffix("serviceAccountId").expect("the enum line runs into `serviceAccountId`");
    values.split(", ").map(str::to_owned).collect()
}

/// The documented 200 response.
fn documented_response() -> Value {
    json_object_at(SEED, position(SEED, "Response\n{")).0
}

fn key_path(id: &str) -> String {
    format!("{KEYS}/{id}")
}

async fn create(app: &TestApp, bearer: &str, body: &Value) -> Reply {
    app.send(Method::POST, KEYS, Some(bearer), Some(body)).await
}

/// A 200 in seed 001's envelope; returns its `data`.
fn success(reply: &Reply) -> &Value {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(fields(&reply.body), ["code", "data", "message", "requestId"], "{}", reply.text);
    assert_eq!(reply.body["code"], 200);
    assert_eq!(reply.body["message"], "success");
    assert_eq!(reply.body["requestId"], reply.header("x-request-id"), "requestId is the request's id");
    &reply.body["data"]
}

/// An error in seed 001's shape: `code` the status, `data` null, `message`
/// containing `says`, `requestId` the request's id.
fn assert_v1_error(reply: &Reply, status: u16, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(fields(&reply.body), ["code", "data", "message", "requestId"], "{}", reply.text);
    assert_eq!(reply.body["code"], status);
    assert_eq!(reply.body["data"], Value::Null);
    let message = reply.body["message"].as_str().expect("a message");
    assert!(message.contains(says), "{message:?} does not say {says:?}");
    assert_eq!(reply.body["requestId"], reply.header("x-request-id"), "requestId is the request's id");
}

/// The catalogue's scope names, read-only (`….read`) or not, outside key and
/// organization management: what `read` and `read-write` stand for.
fn non_management_scopes(read_only: bool) -> Vec<String> {
    let mut scopes: Vec<String> = sesame_domain::Scope::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .filter(|s| !s.starts_with("api_keys.") && !s.starts_with("organizations."))
        .filter(|s| !read_only || s.ends_with(".read"))
        .collect();
    scopes.sort();
    scopes
}

fn sorted_strings(value: &Value) -> Vec<String> {
    let mut items: Vec<String> =
        value.as_array().expect("an array").iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    items.sort();
    items
}

async fn the_documented_request_gets_the_documented_response(backend: Backend) {
    let app = spawn_app(backend).await;
    let documented = documented_request_fields();
    let names: Vec<&str> = documented.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["description", "expiresAt", "name", "scope", "serviceAccountId"]);
    assert_eq!(documented.iter().filter(|(_, required)| *required).count(), 1);
    assert!(documented.contains(&("name".to_owned(), true)));
    let levels = documented_scope_levels();
    assert_eq!(levels, ["read", "read-write"]);
    // Every documented field, filled with a real value of its kind.
    let account = app.create_service_account(&app.root_secret, "deployer").await;
    let expires = (wall_clock() + chrono::Duration::days(365)).to_rfc3339();
    let request = json!({
        "description": "Deploys from CI", "expiresAt": expires, "name": "CI deploy key",
        "scope": levels[0], "serviceAccountId": account["id"],
    });

    let reply = create(&app, &app.root_secret, &request).await;

    let data = success(&reply);
    let example = documented_response();
    assert_like_example(&example, &reply.body, "response");
    assert_eq!(reply.body["code"], example["code"]);
    assert_eq!(reply.body["message"], example["message"]);
    assert_eq!(data["name"], "CI deploy key");
    assert_eq!(data["description"], "Deploys from CI");
    assert_eq!(data["scope"], levels[0].as_str());
    assert_eq!(data["serviceAccountId"], account["id"]);
    assert_eq!(data["organizationId"], app.organization_id.as_str());
    assert_eq!(data["createdBy"], app.root_key_id.as_str());
    assert_eq!(data["userId"], Value::Null, "a key issued by a key has no user");
    for absent in ["lastUsedAt", "lastUsedIp", "lastUsedUserAgent", "revokedAt"] {
        assert_eq!(data[absent], Value::Null, "{absent} of a new key");
    }
    for at in ["createdAt", "expiresAt"] {
        assert!(is_rfc3339(data[at].as_str().unwrap()), "{at} = {} is not RFC 3339", data[at]);
    }
    let key = data["key"].as_str().unwrap();
    assert!(key.starts_with("sk_live_") && key.starts_with(data["keyPrefix"].as_str().unwrap()), "{key}");
}

async fn a_missing_name_and_a_bad_scope_are_400s_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;

    assert_v1_error(&create(&app, &app.root_secret, &json!({})).await, 400, "name: is required");
    let bad_scope = json!({"name": "x", "scope": "admin"});
    assert_v1_error(&create(&app, &app.root_secret, &bad_scope).await, 400, "scope: must be `read` or `read-write`");
    let past = json!({"name": "x", "expiresAt": "2020-01-01T00:00:00Z"});
    assert_v1_error(&create(&app, &app.root_secret, &past).await, 400, "expiresAt: ");
}

async fn no_key_an_unknown_key_and_a_key_without_api_keys_create_get_401_401_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, reader) = app.key_with(&non_management_scopes(true).iter().map(String::as_str).collect::<Vec<_>>()).await;
    let body = json!({"name": "x"});

    assert_v1_error(&app.send(Method::POST, KEYS, None, Some(&body)).await, 401, "Authorization: Bearer");
    assert_v1_error(&create(&app, &unissued_key(), &body).await, 401, "not valid");
    assert_v1_error(&create(&app, &reader, &body).await, 403, "`api_keys.create`");
}

async fn an_unknown_key_id_is_a_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = key_path(&format!("api_key_{}", uuid::Uuid::now_v7()));

    assert_v1_error(&app.send(Method::GET, &unknown, Some(&app.root_secret), None).await, 404, "no such API key");
    assert_v1_error(&app.send(Method::DELETE, &unknown, Some(&app.root_secret), None).await, 404, "no such API key");
}

async fn read_and_read_write_keys_hold_exactly_the_non_management_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    for (level, read_only) in [("read", true), ("read-write", false)] {
        let reply = create(&app, &app.root_secret, &json!({"name": level, "scope": level})).await;
        let data = success(&reply);
        assert_eq!(data["scope"], level);

        let native = app.native_key(data["id"].as_str().unwrap()).await;

        assert_eq!(sorted_strings(&native["scopes"]), non_management_scopes(read_only), "`{level}`");
    }
    let default = success(&create(&app, &app.root_secret, &json!({"name": "default"})).await).clone();
    assert_eq!(default["scope"], "read", "`scope` defaults to read");
    let native = app.native_key(default["id"].as_str().unwrap()).await;
    assert_eq!(sorted_strings(&native["scopes"]), non_management_scopes(true));
}

async fn a_caller_lacking_a_write_scope_cannot_create_a_read_write_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut scopes = non_management_scopes(true);
    scopes.push("api_keys.create".to_owned());
    let (_, creator) = app.key_with(&scopes.iter().map(String::as_str).collect::<Vec<_>>()).await;

    let read = create(&app, &creator, &json!({"name": "r", "scope": "read"})).await;
    assert_eq!(success(&read)["scope"], "read");
    let write = create(&app, &creator, &json!({"name": "rw", "scope": "read-write"})).await;
    assert_v1_error(&write, 403, "cannot grant scopes it does not hold");
}

async fn list_get_and_delete_answer_in_the_envelope(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();
    let first = success(&create(&app, &root, &json!({"name": "first"})).await).clone();
    let second = success(&create(&app, &root, &json!({"name": "second"})).await).clone();
    let id = first["id"].as_str().unwrap();

    // A page of one, newest first, never with the plaintext.
    let reply = app.send(Method::GET, &format!("{KEYS}?limit=1"), Some(&root), None).await;
    let page = success(&reply);
    assert_eq!(fields(page), ["items", "nextCursor"]);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], second["id"]);
    let cursor = page["nextCursor"].as_str().expect("a next page");
    let reply = app.send(Method::GET, &format!("{KEYS}?limit=1&cursor={cursor}"), Some(&root), None).await;
    assert_eq!(success(&reply)["items"][0]["id"], first["id"]);
    let reply = app.send(Method::GET, KEYS, Some(&root), None).await;
    let items = success(&reply)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3, "the root key and the two new ones");
    let mut without_key: Vec<String> = fields(&first).into_iter().filter(|f| f != "key").collect();
    without_key.sort();
    assert!(items.iter().all(|item| fields(item) == without_key), "{items:?}");

    let reply = app.send(Method::GET, &key_path(id), Some(&root), None).await;
    let got = success(&reply);
    assert_eq!(fields(got), without_key);
    assert_eq!(got["name"], "first");

    let reply = app.send(Method::DELETE, &key_path(id), Some(&root), None).await;
    let revoked = success(&reply);
    assert!(is_rfc3339(revoked["revokedAt"].as_str().expect("revokedAt is set")));
    let reply = app.send(Method::GET, &key_path(id), Some(&root), None).await;
    assert_eq!(success(&reply)["revokedAt"], revoked["revokedAt"]);
}

on_both_backends!(
    the_documented_request_gets_the_documented_response,
    a_missing_name_and_a_bad_scope_are_400s_naming_the_field,
    no_key_an_unknown_key_and_a_key_without_api_keys_create_get_401_401_403,
    an_unknown_key_id_is_a_404,
    read_and_read_write_keys_hold_exactly_the_non_management_scopes,
    a_caller_lacking_a_write_scope_cannot_create_a_read_write_key,
    list_get_and_delete_answer_in_the_envelope,
);
