//! Service accounts: named non-human principals that keys belong to,
//! natively (`/developers/service_accounts`, `service_account_id`) and
//! through seed 001's `serviceAccountId`.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_backends;
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
    assert_eq!(fields(data), ["created_at", "created_by", "description", "id", "name", "organization_id"]);
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
);
