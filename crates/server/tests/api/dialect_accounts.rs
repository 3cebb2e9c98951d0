//! Seed 004's dialect (`/v1/api-keys/?account_id=…`): `{message, success,
//! data}`, permission maps, Sesame keys or JWT access tokens as the bearer.
//! Checked against the seed page (tests/seeds/004_…).
//! Its 500 is produced by breaking the database under the running server.

use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{is_rfc3339, spawn_app, spawn_app_with, wall_clock, Reply, TestApp};
use crate::seed_text::{assert_like_example, fields, json_object_at, position};

const SEED: &str = include_str!("../seeds/004_53500144b49ae496.txt");

/// The page's examples: (the curl request body, the first success response,
/// the first error response).
fn documented() -> (Value, Value, Value) {
    let (request, mut end) = json_object_at(SEED, position(SEED, "-d '"));
    let (success, after) = json_object_at(SEED, end);
    end = after;
    loop {
        let (example, after) = json_object_at(SEED, end);
        if example["success"] == false {
            return (request, success, example);
        }
        end = after;
    }
}

/// `/v1/api-keys/{rest}?account_id={account}`.
fn path(rest: &str, account: &str) -> String {
    format!("/v1/api-keys/{rest}?account_id={account}")
}

async fn create(app: &TestApp, bearer: Option<&str>, body: &Value) -> Reply {
    app.send(Method::POST, &path("", &app.organization_id), bearer, Some(body)).await
}

/// A success in seed 004's envelope with `status`; returns its `data`.
fn success(reply: &Reply, status: u16) -> &Value {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(fields(&reply.body), ["data", "message", "success"], "{}", reply.text);
    assert_eq!((&reply.body["message"], &reply.body["success"]), (&json!("success"), &json!(true)));
    &reply.body["data"]
}

/// An error shaped like the page's error example: `message` the status's
/// reason phrase, `error.code` the status, `error.message` containing `says`.
fn assert_accounts_error(reply: &Reply, status: u16, says: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_like_example(&documented().2, &reply.body, "error response");
    let reason = reqwest::StatusCode::from_u16(status).unwrap().canonical_reason().unwrap();
    assert_eq!(reply.body["message"], reason, "{}", reply.text);
    assert_eq!(reply.body["success"], false);
    assert_eq!(reply.body["error"]["code"], status);
    let message = reply.body["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message:?} does not say {says:?}");
}

fn sorted(value: &Value) -> Vec<String> {
    let mut items: Vec<String> = value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    items.sort();
    items
}

/// A permission map with each resource's actions sorted.
fn sorted_permissions(permissions: &Value) -> Value {
    let map = permissions.as_object().expect("a permission map");
    Value::Object(map.iter().map(|(resource, actions)| (resource.clone(), json!(sorted(actions)))).collect())
}

const JWT_SECRET: &str = "an-hs256-secret-for-tests-32-bytes-or-more";

async fn spawn_with_access_tokens(backend: Backend) -> TestApp {
    spawn_app_with(backend, |settings| settings.access_tokens.hs256_secret = Some(JWT_SECRET.to_owned())).await
}

/// An HS256 JWT signed with `secret`; `claims` gets an `exp` `ttl_secs` from now.
fn jwt(secret: &str, mut claims: Value, ttl_secs: i64) -> String {
    claims["exp"] = json!(wall_clock().timestamp() + ttl_secs);
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).expect("a signed JWT")
}

/// Claims of user `user-42` of organization `org` holding `scope`.
fn claims(org: &str, scope: &str) -> Value {
    json!({"sub": "user-42", "org_id": org, "scope": scope})
}

async fn the_documented_request_gets_the_documented_response(backend: Backend) {
    let app = spawn_app(backend).await;
    let (request, example, _) = documented();
    assert_eq!(fields(&request), ["name", "permissions"]);
    // The curl example's placeholders, filled with real values of their kind.
    let request = json!({"name": "Production server", "permissions": {"account:product": ["read", "create"]}});

    let reply = create(&app, Some(&app.root_secret), &request).await;

    // The page allows 200 or 201; Sesame answers 201 Created.
    let data = success(&reply, 201);
    assert_like_example(&example, &reply.body, "response");
    for constant in ["object", "type", "status"] {
        assert_eq!(data[constant], example["data"][constant], "`{constant}` of a new secret key");
    }
    assert_eq!(data["account_id"], app.organization_id.as_str());
    assert_eq!(data["name"], "Production server");
    assert!(data["key"].as_str().unwrap().starts_with("sk_live_"));
    assert_eq!(sorted_permissions(&data["permissions"]), json!({"account:product": ["create", "read"]}));
    assert_eq!(data["metadata"], json!({}));
    assert_eq!((&data["managed"], &data["deleted"]), (&json!(false), &json!(false)));
    assert!(is_rfc3339(data["created_at"].as_str().unwrap()));
    for absent in ["last_used_ip", "last_used_at", "expires_at", "updated_at"] {
        assert_eq!(data[absent], Value::Null, "{absent} of a new key");
    }
}

async fn a_missing_name_and_unknown_permissions_are_400s_naming_them(backend: Backend) {
    let app = spawn_app(backend).await;

    let reply = create(&app, Some(&app.root_secret), &json!({"permissions": {}})).await;
    assert_accounts_error(&reply, 400, "name: is required");
    assert_eq!(reply.body["error"]["details"], json!({"name": "is required"}));

    let unknown = json!({"name": "x", "permissions": {"account:product": ["read", "fly"], "spaceships": ["read"]}});
    let reply = create(&app, Some(&app.root_secret), &unknown).await;
    assert_accounts_error(&reply, 400, "permissions.account:product");
    assert_eq!(
        reply.body["error"]["details"],
        json!({
            "permissions.account:product": "unknown permission `account:product:fly`",
            "permissions.spaceships": "unknown permission `spaceships:read`",
        })
    );
}

async fn no_key_and_a_jwt_without_a_token_provider_are_401s(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"name": "x"});
    let token = jwt(JWT_SECRET, claims(&app.organization_id, "api_keys.create"), 600);

    assert_accounts_error(&create(&app, None, &body).await, 401, "Authorization: Bearer");
    assert_accounts_error(&create(&app, Some(&token), &body).await, 401, "no token provider is configured");
}

async fn an_expired_jwt_is_a_401_saying_the_access_token_expired(backend: Backend) {
    let app = spawn_with_access_tokens(backend).await;
    let expired = jwt(JWT_SECRET, claims(&app.organization_id, "api_keys.create"), -3600);

    let reply = create(&app, Some(&expired), &json!({"name": "x"})).await;

    assert_accounts_error(&reply, 401, "The access token expired.");
    assert_eq!(reply.body["error"]["message"], "The access token expired.");
}

async fn keys_without_the_create_permission_get_403_naming_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, reader) = app.key_with(&["api_keys.read", "products.read"]).await;
    let publishable =
        app.create_key(&json!({"label": "web", "kind": "publishable", "scopes": ["products.read"]})).await;
    let publishable = publishable["secret"].as_str().unwrap();
    assert!(publishable.starts_with("pk_live_"), "{publishable}");

    for bearer in [reader.as_str(), publishable] {
        let reply = create(&app, Some(bearer), &json!({"name": "x"})).await;
        assert_accounts_error(&reply, 403, "`account:api:key:create` permission");
    }
}

async fn an_account_the_caller_neither_owns_nor_created_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let (child, child_secret) = app.other_organization().await;
    let (sibling, _) = app.other_organization().await;
    let body = json!({"name": "x"});

    // A tenant acts neither in its parent nor in another tenant; nor is a
    // malformed id anyone's.
    for account in [app.organization_id.as_str(), sibling.as_str(), "string"] {
        let reply = app.send(Method::POST, &path("", account), Some(&child_secret), Some(&body)).await;
        assert_accounts_error(&reply, 404, "no such account");
        let reply = app.send(Method::GET, &path("", account), Some(&child_secret), None).await;
        assert_accounts_error(&reply, 404, "no such account");
    }
    let reply = app.send(Method::GET, &path("", &child), Some(&child_secret), None).await;
    success(&reply, 200);
}

async fn a_platform_manages_the_keys_of_an_account_it_created(backend: Backend) {
    let app = spawn_app(backend).await;
    let (child, child_secret) = app.other_organization().await;
    let body = json!({"name": "tenant key", "permissions": {"account:product": ["read"]}});

    let reply = app.send(Method::POST, &path("", &child), Some(&app.root_secret), Some(&body)).await;

    let data = success(&reply, 201).clone();
    let id = data["id"].as_str().unwrap();
    assert_eq!(data["account_id"], child.as_str());
    let (status, native) = app.get(&format!("/developers/api_keys/{id}"), &child_secret).await;
    assert_eq!((status, &native["data"]["organization_id"]), (200, &json!(child)), "the tenant's own key sees it");
    let listed = app.send(Method::GET, &path("", &child), Some(&app.root_secret), None).await;
    assert!(success(&listed, 200)["data"].as_array().unwrap().iter().any(|k| k["id"] == id));
    let revoked = app.send(Method::DELETE, &path(&format!("{id}/"), &child), Some(&app.root_secret), None).await;
    assert_eq!(success(&revoked, 200)["deleted"], true);

    // Seeing another account takes `organizations.read`, named as a permission.
    let (_, creator_only) = app.key_with(&["api_keys.create", "products.read"]).await;
    let reply = app.send(Method::POST, &path("", &child), Some(&creator_only), Some(&body)).await;
    assert_accounts_error(&reply, 403, "`account:organization:read`");
}

async fn permissions_in_either_resource_form_map_onto_sesames_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    let permissions = json!({
        "account:product": ["read", "create"],
        "invoices": ["read"],
        "account:api:key": ["create"],
        "users.sessions": ["read"],
        "account:webhook:queue": ["update"],
    });

    let reply = create(&app, Some(&app.root_secret), &json!({"name": "mapped", "permissions": permissions})).await;

    let data = success(&reply, 201);
    let native = app.native_key(data["id"].as_str().unwrap()).await;
    assert_eq!(
        sorted(&native["scopes"]),
        [
            "api_keys.create",
            "invoices.read",
            "products.create",
            "products.read",
            "users.sessions.read",
            "webhooks_queue.update"
        ]
    );
    assert_eq!(
        sorted_permissions(&data["permissions"]),
        json!({
            "account:api:key": ["create"],
            "account:invoice": ["read"],
            "account:product": ["create", "read"],
            "account:user:session": ["read"],
            "account:webhook:queue": ["update"],
        })
    );
}

async fn list_get_and_delete_redact_the_key_and_mark_it_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.organization_id.clone();
    let root = app.root_secret.clone();
    let created = success(&create(&app, Some(&root), &json!({"name": "doomed"})).await, 201).clone();
    let id = created["id"].as_str().unwrap();
    let plaintext = created["key"].as_str().unwrap();

    let reply = app.send(Method::GET, &format!("{}&limit=1", path("", &org)), Some(&root), None).await;
    let list = success(&reply, 200);
    assert_eq!(fields(list), ["data", "has_more", "next_cursor", "object"]);
    assert_eq!(list["object"], "list");
    assert_eq!((&list["has_more"], list["next_cursor"].is_string()), (&json!(true), true));
    let listed = &list["data"][0];
    assert_eq!(listed["id"], id, "newest first");
    assert_eq!(fields(listed), fields(&created), "a listed key has the created key's fields");
    let redacted = listed["key"].as_str().unwrap();
    assert!(redacted.ends_with("****") && plaintext.starts_with(redacted.trim_end_matches('*')), "{redacted}");
    assert_ne!(redacted, plaintext);

    let reply = app.send(Method::GET, &path(&format!("{id}/"), &org), Some(&root), None).await;
    assert_eq!(success(&reply, 200)["key"], redacted);

    // Without the trailing slash too.
    let reply = app.send(Method::DELETE, &format!("/v1/api-keys/{id}?account_id={org}"), Some(&root), None).await;
    let deleted = success(&reply, 200);
    assert_eq!((&deleted["deleted"], &deleted["status"]), (&json!(true), &json!("REVOKED")));
    let reply = app.send(Method::GET, &path(&format!("{id}/"), &org), Some(&root), None).await;
    assert_eq!(success(&reply, 200)["status"], "REVOKED");
    let unknown = path(&format!("api_key_{}/", uuid::Uuid::now_v7()), &org);
    assert_accounts_error(&app.send(Method::GET, &unknown, Some(&root), None).await, 404, "no such API key");
}

async fn a_test_key_creates_test_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let scopes = ["api_keys.create", "api_keys.read"];
    let test = app.create_key(&json!({"label": "sandbox", "environment": "test", "scopes": scopes})).await;
    let test = test["secret"].as_str().unwrap();
    assert!(test.starts_with("sk_test_"), "{test}");

    let reply = create(&app, Some(test), &json!({"name": "sandbox child"})).await;

    let data = success(&reply, 201);
    assert!(data["key"].as_str().unwrap().starts_with("sk_test_"), "{data}");
    // Test keys are visible to test keys only.
    let (status, native) = app.get(&format!("/developers/api_keys/{}", data["id"].as_str().unwrap()), test).await;
    assert_eq!((status, &native["data"]["environment"]), (200, &json!("test")), "{native}");
}

async fn a_jwt_creates_a_key_recorded_as_made_by_its_subject(backend: Backend) {
    let app = spawn_with_access_tokens(backend).await;
    let by_scope = jwt(JWT_SECRET, claims(&app.organization_id, "api_keys.create products.read"), 600);
    let by_scopes = jwt(
        JWT_SECRET,
        json!({"sub": "user-42", "org_id": app.organization_id, "scopes": ["api_keys.create", "products.read"]}),
        600,
    );

    for token in [by_scope, by_scopes] {
        let reply =
            create(&app, Some(&token), &json!({"name": "by a person", "permissions": {"products": ["read"]}})).await;

        let data = success(&reply, 201);
        assert_eq!(data["permissions"], json!({"account:product": ["read"]}));
        let id = data["id"].as_str().unwrap();
        assert_eq!(app.native_key(id).await["created_by"], "token:user-42");
        let (status, v1) = app.get(&format!("/v1/api-keys/{id}"), &app.root_secret).await;
        assert_eq!(status, 200, "{v1}");
        assert_eq!((&v1["data"]["userId"], &v1["data"]["createdBy"]), (&json!("user-42"), &json!("token:user-42")));
    }
}

async fn a_jwt_acts_in_its_own_organization_and_environment_only(backend: Backend) {
    let app = spawn_with_access_tokens(backend).await;
    let (other, other_secret) = app.other_organization().await;
    let mut theirs = claims(&other, "api_keys.create");
    let token = jwt(JWT_SECRET, theirs.clone(), 600);
    let body = json!({"name": "tenant key"});

    assert_accounts_error(&create(&app, Some(&token), &body).await, 404, "no such account");
    let reply = app.send(Method::POST, &path("", &other), Some(&token), Some(&body)).await;
    let data = success(&reply, 201);
    assert_eq!(data["account_id"], other.as_str());
    assert!(data["key"].as_str().unwrap().starts_with("sk_live_"), "`env` defaults to live");
    let (status, native) =
        app.get(&format!("/developers/api_keys/{}", data["id"].as_str().unwrap()), &other_secret).await;
    assert_eq!((status, &native["data"]["created_by"]), (200, &json!("token:user-42")), "{native}");

    theirs["env"] = json!("test");
    let test_token = jwt(JWT_SECRET, theirs, 600);
    let reply = app.send(Method::POST, &path("", &other), Some(&test_token), Some(&body)).await;
    assert!(success(&reply, 201)["key"].as_str().unwrap().starts_with("sk_test_"), "{}", reply.text);
}

async fn a_jwt_cannot_grant_a_permission_it_lacks(backend: Backend) {
    let app = spawn_with_access_tokens(backend).await;
    let token = jwt(JWT_SECRET, claims(&app.organization_id, "api_keys.create products.read"), 600);

    let reply = create(&app, Some(&token), &json!({"name": "x", "permissions": {"account:product": ["create"]}})).await;

    // Named as this dialect's clients know it, like a missing permission.
    assert_accounts_error(&reply, 403, "`account:product:create`");
}

async fn a_jwt_of_an_unknown_organization_or_signed_with_another_secret_is_401(backend: Backend) {
    let app = spawn_with_access_tokens(backend).await;
    let unknown_org = sesame_domain::OrganizationId::generate().to_string();
    let stranger = jwt(JWT_SECRET, claims(&unknown_org, "api_keys.create"), 600);
    let forged = jwt("another-hs256-secret-of-32-bytes-or-more!", claims(&app.organization_id, "api_keys.create"), 600);
    let body = json!({"name": "x"});

    assert_accounts_error(&create(&app, Some(&stranger), &body).await, 401, "organization is not known here");
    assert_accounts_error(&create(&app, Some(&forged), &body).await, 401, "the signature does not match");
}

on_both_backends!(
    a_storage_failure_is_a_500_in_the_documented_error_shape,
    the_documented_request_gets_the_documented_response,
    a_missing_name_and_unknown_permissions_are_400s_naming_them,
    no_key_and_a_jwt_without_a_token_provider_are_401s,
    an_expired_jwt_is_a_401_saying_the_access_token_expired,
    keys_without_the_create_permission_get_403_naming_it,
    an_account_the_caller_neither_owns_nor_created_is_404,
    a_platform_manages_the_keys_of_an_account_it_created,
    permissions_in_either_resource_form_map_onto_sesames_scopes,
    list_get_and_delete_redact_the_key_and_mark_it_deleted,
    a_test_key_creates_test_keys,
    a_jwt_creates_a_key_recorded_as_made_by_its_subject,
    a_jwt_acts_in_its_own_organization_and_environment_only,
    a_jwt_cannot_grant_a_permission_it_lacks,
    a_jwt_of_an_unknown_organization_or_signed_with_another_secret_is_401,
);

async fn a_storage_failure_is_a_500_in_the_documented_error_shape(backend: Backend) {
    let app = spawn_app(backend).await;
    app.break_audit_log().await;

    let reply = create(&app, Some(&app.root_secret), &json!({"name": "doomed"})).await;

    assert_accounts_error(&reply, 500, "quote the support id");
    assert!(!reply.text.contains("audit_events"), "the cause stays in the logs: {}", reply.text);
}
