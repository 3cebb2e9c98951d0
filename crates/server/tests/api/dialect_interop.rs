//! The dialects are views of one key store: seeds 001 and 004 share
//! `/v1/api-keys`, told apart by `account_id`; a key created in any dialect
//! is the same Sesame key the native API reads, verifies and revokes.

use reqwest::Method;
use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, TestApp};
use crate::seed_text::fields;

const SEED_001_ENVELOPE: [&str; 4] = ["code", "data", "message", "requestId"];
const SEED_004_ENVELOPE: [&str; 3] = ["data", "message", "success"];

async fn the_account_id_parameter_selects_seed_004_and_its_absence_seed_001(backend: Backend) {
    let app = spawn_app(backend).await;
    let (root, org) = (app.root_secret.as_str(), app.organization_id.as_str());
    let name = json!({"name": "routed"});

    // Without the trailing slash, `account_id` picks the dialect; with it,
    // the path is seed 004's alone (see
    // `seed_004s_trailing_slash_paths_answer_in_its_shape_even_without_account_id`).
    let v1 = app.send(Method::POST, "/v1/api-keys", Some(root), Some(&name)).await;
    assert_eq!((v1.status, fields(&v1.body)), (200, SEED_001_ENVELOPE.map(String::from).to_vec()));
    let v1 = app.send(Method::GET, "/v1/api-keys", Some(root), None).await;
    assert_eq!(fields(&v1.body["data"]), ["items", "nextCursor"]);
    for path in ["/v1/api-keys", "/v1/api-keys/"] {
        let accounts = format!("{path}?account_id={org}");
        let v4 = app.send(Method::POST, &accounts, Some(root), Some(&name)).await;
        assert_eq!((v4.status, fields(&v4.body)), (201, SEED_004_ENVELOPE.map(String::from).to_vec()), "{accounts}");
        let v4 = app.send(Method::GET, &accounts, Some(root), None).await;
        assert_eq!(fields(&v4.body["data"]), ["data", "has_more", "next_cursor", "object"], "{accounts}");
    }
    // Each dialect reads the body as its own: the other's fields are unknown.
    let v1 = app.send(Method::POST, "/v1/api-keys", Some(root), Some(&json!({"name": "x", "permissions": {}}))).await;
    assert_eq!((v1.status, &v1.body["message"]), (400, &json!("permissions: is not a known field")));
    let accounts = format!("/v1/api-keys/?account_id={org}");
    let v4 = app.send(Method::POST, &accounts, Some(root), Some(&json!({"name": "x", "scope": "read"}))).await;
    assert_eq!((v4.status, &v4.body["error"]["details"]), (400, &json!({"scope": "is not a known field"})));
}

#[derive(Debug, Clone, Copy)]
enum Dialect {
    /// Seed 001.
    Camel,
    /// Seed 003.
    Plain,
    /// Seed 004.
    Accounts,
}

impl Dialect {
    const ALL: [Dialect; 3] = [Dialect::Camel, Dialect::Plain, Dialect::Accounts];

    fn keys_path(self, app: &TestApp) -> String {
        match self {
            Dialect::Camel => "/v1/api-keys".to_owned(),
            Dialect::Plain => "/api-keys".to_owned(),
            Dialect::Accounts => format!("/v1/api-keys/?account_id={}", app.organization_id),
        }
    }

    fn key_path(self, app: &TestApp, id: &str) -> String {
        match self {
            Dialect::Camel => format!("/v1/api-keys/{id}"),
            Dialect::Plain => format!("/api-keys/{id}"),
            Dialect::Accounts => format!("/v1/api-keys/{id}/?account_id={}", app.organization_id),
        }
    }

    /// The key (object) in a response of this dialect.
    fn key_of(self, body: &Value) -> &Value {
        match self {
            Dialect::Camel | Dialect::Accounts => &body["data"],
            Dialect::Plain => body,
        }
    }

    /// Creates a key; returns (id, plaintext).
    async fn create(self, app: &TestApp) -> (String, String) {
        let reply = app
            .send(Method::POST, &self.keys_path(app), Some(&app.root_secret), Some(&json!({"name": "interop"})))
            .await;
        assert!([200, 201].contains(&reply.status), "{self:?}: {}", reply.text);
        let key = self.key_of(&reply.body);
        (key["id"].as_str().unwrap().to_owned(), key["key"].as_str().unwrap().to_owned())
    }

    async fn listed_ids(self, app: &TestApp) -> Vec<String> {
        let (status, body) = app.get(&self.keys_path(app), &app.root_secret).await;
        assert_eq!(status, 200, "{self:?}: {body}");
        let items = match self {
            Dialect::Camel => &body["data"]["items"],
            Dialect::Plain => &body["data"],
            Dialect::Accounts => &body["data"]["data"],
        };
        items.as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap().to_owned()).collect()
    }

    /// Whether the dialect's GET shows the key revoked.
    async fn shows_revoked(self, app: &TestApp, id: &str) -> bool {
        let (status, body) = app.get(&self.key_path(app, id), &app.root_secret).await;
        assert_eq!(status, 200, "{self:?}: {body}");
        let key = self.key_of(&body);
        match self {
            Dialect::Camel => key["revokedAt"].is_string(),
            Dialect::Plain => key["status"] == "revoked" && key["revoked_at"].is_string(),
            Dialect::Accounts => key["status"] == "REVOKED" && key["deleted"] == true,
        }
    }
}

async fn one_key_through(dialect: Dialect, backend: Backend) {
    let app = spawn_app(backend).await;

    let (id, key) = dialect.create(&app).await;

    let native = app.native_key(&id).await;
    assert_eq!(native["label"], "interop");
    assert!(key.starts_with(native["key_prefix"].as_str().unwrap()));
    let (status, verified) = app.verify(&json!({ "key": key })).await;
    assert_eq!(status, 200);
    assert_eq!((&verified["data"]["valid"], &verified["data"]["key_id"]), (&json!(true), &json!(id)), "{verified}");
    for each in Dialect::ALL {
        assert!(each.listed_ids(&app).await.contains(&id), "{each:?} lists the key made through {dialect:?}");
        assert!(!each.shows_revoked(&app, &id).await, "{each:?}");
    }

    let (status, body) = app.delete(&format!("/developers/api_keys/{id}"), &app.root_secret).await;
    assert_eq!(status, 200, "{body}");

    for each in Dialect::ALL {
        assert!(each.shows_revoked(&app, &id).await, "{each:?} shows the native revocation");
    }
    assert_eq!(app.verify(&json!({ "key": key })).await.1["data"]["code"], "REVOKED");
}

async fn a_key_created_in_seed_001s_dialect_is_a_native_key(backend: Backend) {
    one_key_through(Dialect::Camel, backend).await
}

async fn a_key_created_in_seed_003s_dialect_is_a_native_key(backend: Backend) {
    one_key_through(Dialect::Plain, backend).await
}

async fn a_key_created_in_seed_004s_dialect_is_a_native_key(backend: Backend) {
    one_key_through(Dialect::Accounts, backend).await
}

on_both_backends!(
    the_account_id_parameter_selects_seed_004_and_its_absence_seed_001,
    a_key_created_in_seed_001s_dialect_is_a_native_key,
    a_key_created_in_seed_003s_dialect_is_a_native_key,
    a_key_created_in_seed_004s_dialect_is_a_native_key,
    a_method_a_dialects_path_does_not_serve_is_405_in_that_dialects_shape,
    a_method_a_native_path_does_not_serve_is_405_naming_the_ones_it_does,
    a_malformed_id_answers_a_status_its_operation_documents,
    seed_004s_trailing_slash_paths_answer_in_its_shape_even_without_account_id,
);

async fn seed_004s_trailing_slash_paths_answer_in_its_shape_even_without_account_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = Some(app.root_secret.as_str());
    for path in ["/v1/api-keys/", "/v1/api-keys/api_key_0197c0f1-9589-7990-b421-4b806f637b0c/"] {
        let reply = app.send(Method::GET, path, root, None).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.text);
        assert_eq!(reply.body["success"], json!(false), "seed 004's shape: {}", reply.text);
        assert_eq!(reply.body["error"]["details"]["account_id"], "is required", "{}", reply.text);
    }
}

async fn a_method_a_dialects_path_does_not_serve_is_405_in_that_dialects_shape(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = Some(app.root_secret.as_str());
    let accounts = format!("/v1/api-keys/?account_id={}", app.organization_id);

    let v1 = app.send(Method::PUT, "/v1/api-keys", root, None).await;
    assert_eq!((v1.status, v1.header("allow")), (405, "GET, POST"));
    assert_eq!(fields(&v1.body), SEED_001_ENVELOPE.map(String::from).to_vec(), "{}", v1.text);
    assert_eq!(v1.body["code"], 405);

    let v4 = app.send(Method::PATCH, &accounts, root, None).await;
    assert_eq!((v4.status, v4.header("allow")), (405, "GET, POST"));
    assert_eq!((&v4.body["success"], &v4.body["error"]["code"]), (&json!(false), &json!(405)), "{}", v4.text);

    let item = app.send(Method::POST, "/api-keys/api_key_0197c0f1-9589-7990-b421-4b806f637b0c", root, None).await;
    assert_eq!((item.status, item.header("allow")), (405, "GET, DELETE"));
    assert_eq!(
        item.body,
        json!({"code": "method_not_allowed", "message": "POST is not allowed here; allowed: GET, DELETE"})
    );
    assert!(!item.header("x-request-id").is_empty());
}

async fn a_method_a_native_path_does_not_serve_is_405_naming_the_ones_it_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = Some(app.root_secret.as_str());
    let id = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c";
    let trace = Method::from_bytes(b"TRACE").unwrap();
    let cases = [
        (Method::PUT, "/developers/api_keys".to_owned(), "GET, POST"),
        (trace.clone(), format!("/developers/api_keys/{id}"), "GET, PATCH, DELETE"),
        (Method::GET, format!("/developers/api_keys/{id}/rotate"), "POST"),
        (Method::DELETE, "/developers/organizations".to_owned(), "POST"),
        (trace, "/developers/audit_events".to_owned(), "GET"),
        (Method::PUT, "/developers/service_accounts/svc_x".to_owned(), "GET, PATCH, DELETE"),
        (Method::PATCH, "/developers/api_keys/verify".to_owned(), "POST"),
        (Method::from_bytes(b"TRACE").unwrap(), "/healthz".to_owned(), "GET"),
        (Method::DELETE, "/metrics".to_owned(), "GET"),
    ];
    for (method, path, allowed) in cases {
        let reply = app.send(method.clone(), &path, root, None).await;
        assert_eq!((reply.status, reply.header("allow")), (405, allowed), "{method} {path}: {}", reply.text);
        assert_eq!(reply.body["status"], 405, "the native envelope: {}", reply.text);
    }
}

async fn a_malformed_id_answers_a_status_its_operation_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = Some(app.root_secret.as_str());
    let doc = serde_json::to_value(sesame_http::openapi()).unwrap();
    let account = format!("?account_id={}", app.organization_id);
    let cases = [
        ("/developers/api_keys/{id}", "/developers/api_keys/garbage".to_owned()),
        ("/v1/api-keys/{id}", "/v1/api-keys/garbage".to_owned()),
        ("/api-keys/{id}", "/api-keys/garbage".to_owned()),
        ("/v1/api-keys/{id}/", format!("/v1/api-keys/garbage/{account}")),
    ];
    for (template, path) in cases {
        for method in [Method::GET, Method::DELETE] {
            let reply = app.send(method.clone(), &path, root, None).await;
            let documented = &doc["paths"][template][method.as_str().to_lowercase()]["responses"];
            assert!(
                documented.get(reply.status.to_string()).is_some(),
                "{method} {path} answered {} ({}), documented: {:?}",
                reply.status,
                reply.text,
                documented.as_object().map(|o| o.keys().collect::<Vec<_>>())
            );
            assert!((400..500).contains(&reply.status), "{method} {path}: {}", reply.text);
        }
    }
}
