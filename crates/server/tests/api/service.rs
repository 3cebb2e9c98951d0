use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, spawn_app_with, status_and_json};

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

async fn no_response_may_be_cached_and_secrets_above_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = app.root_secret.clone();
    let (key_id, _) = app.key_with(&[]).await;
    let account = format!("/v1/api-keys/?account_id={}", app.organization_id);
    let secret_bearing = [
        (reqwest::Method::POST, "/developers/api_keys".to_owned(), json!({"label": "a"})),
        (reqwest::Method::POST, format!("/developers/api_keys/{key_id}/rotate"), json!({})),
        (reqwest::Method::POST, "/developers/organizations".to_owned(), json!({"name": "Tenant"})),
        (reqwest::Method::POST, "/v1/api-keys".to_owned(), json!({"name": "b"})),
        (reqwest::Method::POST, "/api-keys".to_owned(), json!({"name": "c"})),
        (reqwest::Method::POST, account, json!({"name": "d"})),
    ];
    for (method, path, body) in secret_bearing {
        let reply = app.send(method.clone(), &path, Some(&root), Some(&body)).await;
        assert!((200..300).contains(&reply.status), "{method} {path}: {}", reply.text);
        assert_eq!(reply.header("cache-control"), "no-store", "{method} {path}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{method} {path}");
        assert_eq!(reply.header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    }
    let error = app.send(reqwest::Method::GET, "/developers/api_keys", None, None).await;
    assert_eq!((error.status, error.header("cache-control")), (401, "no-store"));

    let page = app.client.get(app.url("/swagger-ui/")).send().await.expect("the request is sent");
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("script-src 'self'") && !policy.contains("'unsafe-eval'"), "{policy}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
}

async fn a_body_sent_too_slowly_is_answered_408_and_the_connection_freed(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(backend, |settings| settings.server.body_timeout_secs = 1).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /developers/api_keys/verify HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("send the head and one byte");
    let started = std::time::Instant::now();
    let mut reply = Vec::new();
    // The server answers and closes; a slow client is never waited on for long.
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut reply))
        .await
        .expect("the server answers within the deadline, not never")
        .expect("read the answer");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("did not arrive within 1 s"), "{reply}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "answered after {:?}", started.elapsed());
    // The server still serves everyone else.
    assert_eq!(app.get("/developers/api_keys", &app.root_secret).await.0, 200);
}

on_both_backends!(
    a_body_sent_too_slowly_is_answered_408_and_the_connection_freed,
    no_response_may_be_cached_and_secrets_above_all,
    every_response_carries_the_request_id_of_its_envelope,
    an_unknown_route_is_a_404_envelope,
    the_openapi_document_and_swagger_ui_are_served,
);
