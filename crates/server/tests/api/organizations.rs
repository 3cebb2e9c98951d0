use serde_json::json;
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, TestApp};

const ORGS: &str = "/developers/organizations";

/// Onboards a tenant with the root key; returns (organization id, its first key's id and secret).
async fn onboard(app: &TestApp, name: &str) -> (String, String, String) {
    let (status, body) = app.post(ORGS, &app.root_secret, &json!({"name": name})).await;
    assert_eq!(status, 201, "{body}");
    let data = &body["data"];
    (
        data["organization"]["id"].as_str().unwrap().to_owned(),
        data["api_key"]["id"].as_str().unwrap().to_owned(),
        data["api_key"]["secret"].as_str().unwrap().to_owned(),
    )
}

async fn creating_an_organization_returns_its_first_key(backend: Backend) {
    let app = spawn_app(backend).await;

    let (org, _, secret) = onboard(&app, "Tenant A").await;

    let (status, body) = app.get(&format!("{ORGS}/{org}"), &secret).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "Tenant A");
    assert_eq!(body["data"]["parent_id"], app.organization_id.as_str());
    assert_eq!(body["data"]["status"], "active");
    let (status, body) = app.post("/developers/api_keys", &secret, &json!({"label": "tenant service"})).await;
    assert_eq!(status, 201);
    assert_eq!(body["data"]["organization_id"], org.as_str());
}

async fn another_organizations_keys_are_404_not_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, tenant_key, tenant_secret) = onboard(&app, "Tenant").await;
    let root_key = format!("/developers/api_keys/{}", app.root_key_id);

    assert_eq!(app.get(&root_key, &tenant_secret).await.0, 404);
    assert_eq!(app.patch(&root_key, &tenant_secret, &json!({"label": "x"})).await.0, 404);
    assert_eq!(app.post(&format!("{root_key}/rotate"), &tenant_secret, &json!({})).await.0, 404);
    assert_eq!(app.delete(&root_key, &tenant_secret).await.0, 404);
    assert_eq!(app.get(&format!("/developers/api_keys/{tenant_key}"), &app.root_secret).await.0, 404);
    let (_, body) = app.get("/developers/api_keys", &tenant_secret).await;
    assert!(body["data"]["items"].as_array().unwrap().iter().all(|k| k["id"] != app.root_key_id.as_str()));
    let (_, body) = app.get("/developers/audit_events", &tenant_secret).await;
    assert!(body["data"]["items"].as_array().unwrap().iter().all(|e| e["target_id"] != app.root_key_id.as_str()));
    assert_eq!(
        app.get(&format!("{ORGS}/{}", app.organization_id), &tenant_secret).await.0,
        404,
        "a child cannot read its parent"
    );
}

async fn deactivating_an_organization_stops_all_its_keys_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, _, secret) = onboard(&app, "Tenant").await;
    assert_eq!(app.get("/developers/api_keys", &secret).await.0, 200);

    let (status, body) = app.post(&format!("{ORGS}/{org}/deactivate"), &app.root_secret, &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "deactivated");

    let (status, body) = app.get("/developers/api_keys", &secret).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "the API key's organization is deactivated");
    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "ORGANIZATION_DEACTIVATED");
    assert_eq!(
        app.post(&format!("{ORGS}/{org}/deactivate"), &app.root_secret, &json!({})).await.0,
        200,
        "twice is fine"
    );
    assert_eq!(app.patch(&format!("{ORGS}/{org}"), &app.root_secret, &json!({"name": "x"})).await.0, 409);
}

async fn deactivating_a_reseller_stops_the_keys_of_its_customers_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let (reseller, _, reseller_secret) = onboard(&app, "Reseller").await;
    let (status, body) = app.post(ORGS, &reseller_secret, &json!({"name": "Customer"})).await;
    assert_eq!(status, 201, "{body}");
    let customer = body["data"]["organization"]["id"].as_str().unwrap().to_owned();
    let customer_secret = body["data"]["api_key"]["secret"].as_str().unwrap().to_owned();
    // Cached, so the deactivation must reach the cache too.
    assert_eq!(app.get("/developers/api_keys", &customer_secret).await.0, 200);

    let (status, body) = app.post(&format!("{ORGS}/{reseller}/deactivate"), &app.root_secret, &json!({})).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = app.get("/developers/api_keys", &customer_secret).await;
    assert_eq!((status, &body["error"]), (401, &json!("the API key's organization is deactivated")), "{body}");
    assert_eq!(app.verify(&json!({"key": customer_secret})).await.1["data"]["code"], "ORGANIZATION_DEACTIVATED");
    let (_, events) = app.get("/developers/audit_events?limit=100", &app.root_secret).await;
    let deactivated: Vec<&str> = events["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "organization.deactivated")
        .filter_map(|e| e["target_id"].as_str())
        .collect();
    assert_eq!(deactivated.len(), 2, "one event each: {events}");
    assert!(deactivated.contains(&reseller.as_str()) && deactivated.contains(&customer.as_str()));
}

async fn a_key_cannot_deactivate_its_own_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, _) =
        app.post(&format!("{ORGS}/{}/deactivate", app.organization_id), &app.root_secret, &json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(app.get("/developers/api_keys", &app.root_secret).await.0, 200);
}

async fn renaming_is_audited_and_bad_names_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let own = format!("{ORGS}/{}", app.organization_id);

    let (status, body) = app.patch(&own, &app.root_secret, &json!({"name": "Renamed"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "Renamed");
    let (status, body) = app.patch(&own, &app.root_secret, &json!({"name": " "})).await;
    assert_eq!(status, 422);
    assert_eq!(body["validator"], json!({"name": "must not be blank"}));
    let (status, body) = app.get(&format!("{ORGS}/org_nope"), &app.root_secret).await;
    assert_eq!(status, 422);
    assert!(body["validator"]["id"].is_string());

    let (_, body) = app.get("/developers/audit_events", &app.root_secret).await;
    let newest = &body["data"]["items"][0];
    assert_eq!(newest["action"], "organization.updated");
    assert_eq!(newest["after"], json!({"name": "Renamed"}));
    assert_eq!(newest["actor"], app.root_key_id.as_str());
    assert_eq!(newest["ip"], "127.0.0.1");
}

async fn organization_endpoints_need_their_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, weak) = app.key_with(&["api_keys.read"]).await;
    let own = format!("{ORGS}/{}", app.organization_id);
    assert_eq!(app.post(ORGS, &weak, &json!({"name": "x"})).await.0, 403);
    assert_eq!(app.get(&own, &weak).await.0, 403);
    assert_eq!(app.patch(&own, &weak, &json!({"name": "x"})).await.0, 403);
    assert_eq!(app.post(&format!("{own}/deactivate"), &weak, &json!({})).await.0, 403);
}

on_both_backends!(
    deactivating_a_reseller_stops_the_keys_of_its_customers_too,
    creating_an_organization_returns_its_first_key,
    another_organizations_keys_are_404_not_403,
    deactivating_an_organization_stops_all_its_keys_at_once,
    a_key_cannot_deactivate_its_own_organization,
    renaming_is_audited_and_bad_names_are_named,
    organization_endpoints_need_their_scopes,
);
