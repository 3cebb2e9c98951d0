//! The HTTP stack's ceiling on this machine, for `bench/load.sh`: a minimal
//! actix-web handler that reads a small JSON body and answers a small JSON
//! envelope, with the same worker count as `sesame`. Sesame's verify is
//! reported as a ratio of this, and its forward-auth check (`GET
//! /gateway/auth`) as a ratio of the bare GET handler, `GET /get`, which is
//! also the upstream nginx proxies to in the auth_request benchmark.

use actix_web::{get, post, web, App, HttpResponse, HttpServer};

#[post("/verify")]
async fn verify(body: web::Json<serde_json::Value>) -> HttpResponse {
    let valid = body.get("key").is_some_and(serde_json::Value::is_string);
    HttpResponse::Ok().json(serde_json::json!({ "status": 200, "data": { "valid": valid, "code": "VALID" } }))
}

/// A bare GET: no body read, a small JSON answer.
#[get("/get")]
async fn bare_get() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "code": "VALID" }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("BASELINE_BIND").unwrap_or_else(|_| "127.0.0.1:18081".to_owned());
    let workers = std::env::var("BASELINE_WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(2);
    HttpServer::new(|| App::new().service(verify).service(bare_get)).workers(workers).bind(bind)?.run().await
}
