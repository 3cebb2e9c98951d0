//! Service accounts: named non-human principals that keys belong to,
//! natively (`/developers/service_accounts`, `service_account_id`) and
//! through seed 001's `serviceAccountId`.

use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, TestApp};
use crate::seed_text::fields;

const ACCOUNTS: &str = "/developers/service_accounts";
const KEYS: &str = "/developers/api_keys";

fn ids(items: &Value) -> Vec<String> {
    items.as_array().expect("items").iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect()
}

/// Creates a key natively as root for service account `account` (if any); returns its id.
async fn key_of(app: &TestApp, account: Option<&str>) -> String {
    app.create_key(&json!({"label": "worker key", "service_account_id": account})).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn is_svc_id(id: &str) -> bool {
    id.strip_prefix("svc_").is_some_and(|rest| uuid::Uuid::try_parse(rest).is_ok())
}

async fn a_service_account_is_created_read_back_and_listed(backend: Backend) {
    let app = spawn_app(backend).await;

    let (status, body) =
        app.post(ACCOUNTS, &app.root_secret, &json!({"name": "billing-worker", "description": "Nightly"})).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], 201);
    let data = &body["data"];
    assert_eq!(
        fields(data),
        ["created_at", "created_by", "deleted_at", "description", "id", "name", "organization_id"]
    );
    let id = data["id"].as_str().unwrap();
    assert!(is_svc_id(id), "{id}");
    assert_eq!(data["organization_id"], app.organization_id.as_str());
    assert_eq!((&data["name"], &data["description"]), (&json!("billing-worker"), &json!("Nightly")));
    assert_eq!(data["created_by"], app.root_key_id.as_str());
    let (status, got) = app.get(&format!("{ACCOUNTS}/{id}"), &app.root_secret).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(&got["data"], data);
    let second = app.create_service_account(&app.root_secret, "second").await;
    let (status, list) = app.get(&format!("{ACCOUNTS}?limit=1"), &app.root_secret).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(fields(&list["data"]), ["items", "next_cursor"]);
    assert_eq!(ids(&list["data"]["items"]), [second["id"].as_str().unwrap()], "newest first");
    let cursor = list["data"]["next_cursor"].as_str().expect("a second page");
    let (_, rest) = app.get(&format!("{ACCOUNTS}?limit=1&cursor={cursor}"), &app.root_secret).await;
    assert_eq!(ids(&rest["data"]["items"]), [id]);
}

async fn creating_needs_api_keys_create_and_reading_api_keys_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let account = app.create_service_account(&app.root_secret, "worker").await;
    let (_, reader) = app.key_with(&["api_keys.read"]).await;
    let (_, nobody) = app.key_with(&["products.read"]).await;

    let (status, body) = app.post(ACCOUNTS, &reader, &json!({"name": "x"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("`api_keys.create`"), "{body}");
    assert_eq!(app.get(&format!("{ACCOUNTS}/{}", account["id"].as_str().unwrap()), &reader).await.0, 200);
    assert_eq!(app.get(ACCOUNTS, &nobody).await.0, 403);
    let (status, body) = app.post(ACCOUNTS, &app.root_secret, &json!({"description": "no name"})).await;
    assert_eq!((status, &body["validator"]), (422, &json!({"name": "is required"})));
}

async fn keys_belong_to_their_service_account_and_list_by_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = app.create_service_account(&app.root_secret, "worker").await;
    let other = app.create_service_account(&app.root_secret, "other").await;
    let worker_id = worker["id"].as_str().unwrap();
    let first = key_of(&app, Some(worker_id)).await;
    let _theirs = key_of(&app, Some(other["id"].as_str().unwrap())).await;
    let loose = key_of(&app, None).await;
    let second = key_of(&app, Some(worker_id)).await;

    let (status, body) = app.get(&format!("{KEYS}?service_account_id={worker_id}"), &app.root_secret).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body["data"]["items"]), [second.as_str(), first.as_str()]);
    assert_eq!(app.native_key(&first).await["service_account_id"], worker_id);
    assert_eq!(app.native_key(&loose).await["service_account_id"], Value::Null);
}

async fn another_organizations_or_an_unknown_service_account_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, other_secret) = app.other_organization().await;
    let theirs = app.create_service_account(&other_secret, "theirs").await;
    let theirs = theirs["id"].as_str().unwrap();
    let unknown = sesame_domain::ServiceAccountId::generate().to_string();

    assert_eq!(app.get(&format!("{ACCOUNTS}/{theirs}"), &app.root_secret).await.0, 404);
    assert_eq!(app.get(&format!("{ACCOUNTS}/{unknown}"), &app.root_secret).await.0, 404);
    for account in [theirs, unknown.as_str()] {
        let body = json!({"label": "x", "service_account_id": account});
        let (status, body) = app.post(KEYS, &app.root_secret, &body).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["validator"], json!({"service_account_id": "is not a service account of this organization"}));
    }
    let (status, body) = app.post(KEYS, &app.root_secret, &json!({"label": "x", "service_account_id": "svc_x"})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["validator"]["service_account_id"].is_string(), "{body}");
}

async fn seed_001s_service_account_id_assigns_filters_and_is_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let worker = app.create_service_account(&app.root_secret, "worker").await;
    let worker_id = worker["id"].as_str().unwrap();
    let _loose = key_of(&app, None).await;

    let (status, created) =
        app.post("/v1/api-keys", &app.root_secret, &json!({"name": "w", "serviceAccountId": worker_id})).await;

    assert_eq!(status, 200, "{created}");
    let id = created["data"]["id"].as_str().unwrap();
    assert_eq!(created["data"]["serviceAccountId"], worker_id);
    assert_eq!(app.native_key(id).await["service_account_id"], worker_id);
    let (status, page) = app.get(&format!("/v1/api-keys?serviceAccountId={worker_id}"), &app.root_secret).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page["data"]["items"]), [id]);
    let unknown = sesame_domain::ServiceAccountId::generate().to_string();
    let (status, body) =
        app.post("/v1/api-keys", &app.root_secret, &json!({"name": "w", "serviceAccountId": unknown})).await;
    assert_eq!((status, &body["code"]), (400, &json!(400)));
    assert_eq!(body["message"], "serviceAccountId: is not a service account of this organization");
}

on_both_backends!(
    a_service_account_is_created_read_back_and_listed,
    creating_needs_api_keys_create_and_reading_api_keys_read,
    keys_belong_to_their_service_account_and_list_by_it,
    another_organizations_or_an_unknown_service_account_is_not_found,
    seed_001s_service_account_id_assigns_filters_and_is_checked,
    deleting_a_service_account_revokes_its_keys_at_once_even_cached_ones,
    deleting_stops_at_keys_of_the_other_environment_or_beyond_the_callers_scopes,
);

async fn verify_code(app: &TestApp, secret: &str) -> Value {
    let (status, body) = app.verify(&json!({ "key": secret })).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["code"].clone()
}

async fn deleting_a_service_account_revokes_its_keys_at_once_even_cached_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let account = app.create_service_account(&app.root_secret, "billing-worker").await;
    let id = account["id"].as_str().unwrap();
    let key = app.create_key(&json!({"label": "worker key", "service_account_id": id})).await;
    let secret = key["secret"].as_str().unwrap();
    assert_eq!(verify_code(&app, secret).await, "VALID", "verified once, so cached");

    let (status, body) = app.delete(&format!("{ACCOUNTS}/{id}"), &app.root_secret).await;

    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["deleted_at"].is_string(), "{body}");
    assert_eq!(body["data"]["revoked_key_ids"], json!([key["id"]]));
    assert_eq!(verify_code(&app, secret).await, "REVOKED", "the cached key fails the very next verify");
    assert_eq!(verify_code(&app, &app.root_secret).await, "VALID", "keys of no service account are untouched");
    let (_, read) = app.get(&format!("{ACCOUNTS}/{id}"), &app.root_secret).await;
    assert!(read["data"]["deleted_at"].is_string(), "still readable: {read}");
    let (_, listed) = app.get(ACCOUNTS, &app.root_secret).await;
    assert!(!ids(&listed["data"]["items"]).contains(&id.to_owned()), "listings leave it out: {listed}");
    let (status, body) = app.post(KEYS, &app.root_secret, &json!({"label": "late", "service_account_id": id})).await;
    assert_eq!((status, &body["validator"]["service_account_id"]), (422, &json!("is a deleted service account")));
    let (status, again) = app.delete(&format!("{ACCOUNTS}/{id}"), &app.root_secret).await;
    assert_eq!((status, &again["data"]["revoked_key_ids"]), (200, &json!([])), "deleting twice changes nothing");
}

async fn deleting_stops_at_keys_of_the_other_environment_or_beyond_the_callers_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    let account = app.create_service_account(&app.root_secret, "billing-worker").await;
    let id = account["id"].as_str().unwrap();
    let test_key =
        app.create_key(&json!({"label": "test worker", "service_account_id": id, "environment": "test"})).await;

    let (status, body) = app.delete(&format!("{ACCOUNTS}/{id}"), &app.root_secret).await;
    assert_eq!(status, 409, "a live key cannot revoke the test key it cannot see: {body}");
    assert_eq!(verify_code(&app, test_key["secret"].as_str().unwrap()).await, "VALID", "nothing was revoked");

    let other = app.create_service_account(&app.root_secret, "reporting").await;
    let other_id = other["id"].as_str().unwrap();
    app.create_key(&json!({"label": "reader", "service_account_id": other_id, "scopes": ["products.read"]})).await;
    let (_, deleter) = app.key_with(&["api_keys.delete"]).await;
    let (status, body) = app.delete(&format!("{ACCOUNTS}/{other_id}"), &deleter).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("`products.read`"), "{body}");
}
