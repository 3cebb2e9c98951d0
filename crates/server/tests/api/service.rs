use serde_json::Value;
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, status_and_json};

async fn every_response_carries_the_request_id_of_its_envelope(backend: Backend) {
    let app = spawn_app(backend).await;

    let res = app.post_api_key("garbage", &serde_json::json!({"label": "x"})).await;

    let header = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (_, json) = status_and_json(res).await;
    assert_eq!(json["log"]["request_id"], header.as_str());
    assert_eq!(json["env"], "development");
}

async fn an_unknown_route_is_a_404_envelope(backend: Backend) {
    let app = spawn_app(backend).await;

    let res = app.client.get(app.url("/nope")).send().await.unwrap();

    assert!(res.headers().contains_key("x-request-id"));
    let (status, json) = status_and_json(res).await;
    assert_eq!(status, 404);
    assert_eq!(json["status"], 404);
}

async fn the_openapi_document_and_swagger_ui_are_served(backend: Backend) {
    let app = spawn_app(backend).await;

    let spec: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(spec, serde_json::to_value(sesame_http::openapi()).unwrap());
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["components"]["securitySchemes"]["bearerAuth"].is_object());

    let ui = app.client.get(app.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    assert!(ui.text().await.unwrap().contains("swagger-ui"));
}

on_both_backends!(
    every_response_carries_the_request_id_of_its_envelope,
    an_unknown_route_is_a_404_envelope,
    the_openapi_document_and_swagger_ui_are_served,
);
