//! Seed 003's dialect (`/api-keys`): a key is just a name, errors are the
//! generic `{code, message}` object, every response has `X-Request-Id`.
//! Checked against the seed page (tests/seeds/003_…).
//! Its 500 is produced by breaking the database under the running server.

use reqwest::Method;
use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{is_rfc3339, spawn_app, unissued_key, Reply, TestApp};
use crate::seed_text::{assert_like_example, fields, json_object_at, position};

const SEED: &str = include_str!("../seeds/003_b08af8cb63646347.txt");
const KEYS: &str = "/api-keys";

/// The documented constraints on `name`: (min characters, max characters,
/// pattern), read from the page's `>= N characters`, `<= N characters` and
/// `/…/` lines.
fn documented_name_rules() -> (usize, usize, String) {
    let schema = &SEED[position(SEED, "\nname\nrequired\nstring\n")..position(SEED, "Responses")];
    let bound = |sign: &str| -> usize {
        let line = schema.lines().find(|l| l.starts_with(sign)).unwrap_or_else(|| panic!("a `{sign}` line"));
        line[sign.len()..].trim().strip_suffix(" characters").unwrap().parse().unwrap()
    };
    let pattern = schema.lines().find(|l| l.len() > 2 && l.starts_with('/') && l.ends_with('/')).expect("a pattern");
    (bound(">= "), bound("<= "), pattern.trim_matches('/').to_owned())
}

/// Each documented error status with its example body: a line holding just
/// the status, after an empty line, then the section's example.
fn documented_errors() -> Vec<(u16, Value)> {
    let mut errors = Vec::new();
    let mut offset = 0;
    let mut previous_empty = false;
    for line in SEED.split_inclusive('\n') {
        let text = line.trim_end();
        if previous_empty && text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit()) {
            let example = offset + position(&SEED[offset..], "Content type: application/json");
            errors.push((text.parse().unwrap(), json_object_at(SEED, example).0));
        }
        previous_empty = text.is_empty();
        offset += line.len();
    }
    errors
}

/// The page's example for `status`. The page documents no 404; every error
/// it documents is the same "Generic API error", so a 404 is held to that.
fn documented_error(status: u16) -> Value {
    let errors = documented_errors();
    let statuses: Vec<u16> = errors.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [400, 401, 403, 500], "the statuses the page documents");
    let example = |wanted: u16| errors.iter().find(|(s, _)| *s == wanted).map(|(_, e)| e.clone());
    example(status).or_else(|| (status == 404).then(|| example(400)).flatten()).expect("a documented status")
}

/// An error in seed 003's shape: `status`, an `X-Request-Id`, and a body of
/// exactly the documented `{code, message}`, typed like the page's example
/// for that status, plus `errors` naming each bad field on a 400.
fn assert_generic_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(!reply.header("x-request-id").is_empty());
    let mut body = reply.body.clone();
    if status == 400 {
        let errors = body.as_object_mut().unwrap().remove("errors").expect("a 400 names the bad fields in `errors`");
        assert!(errors.as_object().is_some_and(|e| !e.is_empty() && e.values().all(Value::is_string)), "{errors}");
    }
    let example = documented_error(status);
    assert_like_example(&example, &body, "error");
    assert_eq!(body["code"], code, "{}", reply.text);
    assert!(!body["message"].as_str().unwrap().is_empty());
}

async fn create(app: &TestApp, bearer: &str, body: &Value) -> Reply {
    app.send(Method::POST, KEYS, Some(bearer), Some(body)).await
}

async fn the_documented_name_rules_bound_the_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let (min, max, pattern) = documented_name_rules();
    assert_eq!((min, max, pattern.as_str()), (1, 100, r"\S+"), "the rules this test knows how to break");

    let longest = create(&app, &app.root_secret, &json!({"name": "n".repeat(max)})).await;
    assert_eq!(longest.status, 201, "{}", longest.text);
    assert_eq!(longest.body["name"], "n".repeat(max));
    let shortest = create(&app, &app.root_secret, &json!({"name": "n".repeat(min)})).await;
    assert_eq!(shortest.status, 201, "{}", shortest.text);

    let too_long = create(&app, &app.root_secret, &json!({"name": "n".repeat(max + 1)})).await;
    assert_generic_error(&too_long, 400, "invalid_input");
    assert_eq!(too_long.body["errors"], json!({"name": format!("must be at most {max} characters")}));
    // `\S+` needs one non-whitespace character; the empty name breaks `>= 1` too.
    for name in ["   ", "\t\n ", &"n".repeat(min - 1)] {
        let reply = create(&app, &app.root_secret, &json!({ "name": name })).await;
        assert_generic_error(&reply, 400, "invalid_input");
        assert_eq!(reply.body["errors"], json!({"name": "must contain a non-whitespace character"}), "{name:?}");
    }
}

async fn a_missing_name_and_an_unknown_field_are_invalid_input(backend: Backend) {
    let app = spawn_app(backend).await;

    let missing = create(&app, &app.root_secret, &json!({})).await;
    assert_generic_error(&missing, 400, "invalid_input");
    assert_eq!(missing.body["errors"], json!({"name": "is required"}));
    let unknown = create(&app, &app.root_secret, &json!({"name": "x", "scopes": ["products.read"]})).await;
    assert_generic_error(&unknown, 400, "invalid_input");
    assert_eq!(unknown.body["errors"], json!({"scopes": "is not a known field"}));
}

async fn no_key_an_unknown_key_and_a_revoked_key_are_invalid_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (revoked_id, revoked) = app.key_with(&["api_keys.create"]).await;
    let (status, _) = app.delete(&format!("/developers/api_keys/{revoked_id}"), &app.root_secret).await;
    assert_eq!(status, 200);
    let body = json!({"name": "x"});
    let documented_code = documented_error(401)["code"].as_str().unwrap().to_owned();
    assert_eq!(documented_code, "invalid_token");

    assert_generic_error(&app.send(Method::POST, KEYS, None, Some(&body)).await, 401, &documented_code);
    assert_generic_error(&create(&app, &unissued_key(), &body).await, 401, &documented_code);
    let reply = create(&app, &revoked, &body).await;
    assert_generic_error(&reply, 401, &documented_code);
    assert_eq!(reply.body["message"], "the API key has been revoked");
}

async fn a_key_without_api_keys_create_is_permission_denied(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, reader) = app.key_with(&["api_keys.read"]).await;

    let reply = create(&app, &reader, &json!({"name": "x"})).await;

    assert_generic_error(&reply, 403, "permission_denied");
    assert!(reply.body["message"].as_str().unwrap().contains("`api_keys.create`"), "{}", reply.text);
}

async fn a_created_key_is_201_with_its_plaintext_and_grants_nothing(backend: Backend) {
    let app = spawn_app(backend).await;

    let reply = create(&app, &app.root_secret, &json!({"name": "deploy-bot"})).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(!reply.header("x-request-id").is_empty());
    let key = &reply.body;
    assert_eq!(fields(key), ["created_at", "id", "key", "key_prefix", "last_used_at", "name", "revoked_at", "status"]);
    assert_eq!(key["name"], "deploy-bot");
    assert_eq!(key["status"], "active");
    assert!(is_rfc3339(key["created_at"].as_str().unwrap()));
    assert_eq!((&key["last_used_at"], &key["revoked_at"]), (&Value::Null, &Value::Null));
    assert!(key["key"].as_str().unwrap().starts_with(key["key_prefix"].as_str().unwrap()));
    let native = app.native_key(key["id"].as_str().unwrap()).await;
    assert_eq!(native["scopes"], json!([]));
    assert_eq!(native["label"], "deploy-bot");
}

async fn list_get_and_delete_speak_the_plain_dialect(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();
    let created = create(&app, &root, &json!({"name": "doomed"})).await.body;
    let id = created["id"].as_str().unwrap();
    let path = format!("{KEYS}/{id}");

    let list = app.send(Method::GET, KEYS, Some(&root), None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(fields(&list.body), ["data", "next_cursor"]);
    let listed = list.body["data"].as_array().unwrap();
    assert_eq!(listed[0]["id"], id, "newest first");
    assert!(listed.iter().all(|k| k.get("key").is_none()), "a listed key has no plaintext");

    let got = app.send(Method::GET, &path, Some(&root), None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["name"], "doomed");
    assert!(got.body.get("key").is_none());

    let deleted = app.send(Method::DELETE, &path, Some(&root), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "", "a 204 has no body");
    assert!(!deleted.header("x-request-id").is_empty());
    let got = app.send(Method::GET, &path, Some(&root), None).await;
    assert_eq!(got.body["status"], "revoked");
    assert!(is_rfc3339(got.body["revoked_at"].as_str().unwrap()));

    let unknown = format!("{KEYS}/api_key_{}", uuid::Uuid::now_v7());
    assert_generic_error(&app.send(Method::GET, &unknown, Some(&root), None).await, 404, "not_found");
}

on_both_backends!(
    a_storage_failure_is_a_documented_500_and_writes_no_key,
    the_documented_name_rules_bound_the_name,
    a_missing_name_and_an_unknown_field_are_invalid_input,
    no_key_an_unknown_key_and_a_revoked_key_are_invalid_token,
    a_key_without_api_keys_create_is_permission_denied,
    a_created_key_is_201_with_its_plaintext_and_grants_nothing,
    list_get_and_delete_speak_the_plain_dialect,
);

async fn a_storage_failure_is_a_documented_500_and_writes_no_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, before) = app.get("/developers/api_keys", &app.root_secret).await;
    app.break_audit_log().await;

    let reply = create(&app, &app.root_secret, &json!({"name": "doomed"})).await;

    assert_generic_error(&reply, 500, "internal_error");
    assert!(!reply.text.contains("audit_events"), "the cause stays in the logs: {}", reply.text);
    let (_, after) = app.get("/developers/api_keys", &app.root_secret).await;
    assert_eq!(
        after["data"]["items"], before["data"]["items"],
        "the key and its audit event are written together or not at all"
    );
}
