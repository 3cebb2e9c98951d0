//! The HTTP stack's ceiling on this machine, for `bench/load.sh`: a minimal
//! actix-web handler that reads a small JSON body and answers a small JSON
//! envelope, with the same worker count as `sesame`. Sesame's verify is
//! reported as a ratio of this, and its forward-auth check (`GET
//! /gateway/auth`) as a ratio of the bare GET handler, `GET /get`, which is
//! also the upstream nginx proxies to in the auth_request benchmark.
//! `GET /get/identity` answers what an allowed check answers (no body,
//! `Cache-Control` and the six identity headers, fixed values as long as
//! the benchmark key's) without checking anything: what the forward-auth
//! protocol's answer costs on its own, on top of a bare GET.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::{get, post, web, App, HttpResponse, HttpServer};
use sesame_http::gateway::IDENTITY_NAMES;

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

/// An allow answer's header values for the benchmark's key (scope
/// `api_keys.read`, no service account, no metadata), in the order of
/// Sesame's `IDENTITY_NAMES`, parsed at compile time.
const IDENTITY_VALUES: [HeaderValue; 6] = [
    HeaderValue::from_static("api_key_01a24fe7-b163-7008-89af-c7cc942fdc2f"),
    HeaderValue::from_static("org_01a24fe7-afb1-7292-89cd-414cda3ff19a"),
    HeaderValue::from_static("live"),
    HeaderValue::from_static("api_keys.read"),
    HeaderValue::from_static(""),
    HeaderValue::from_static("{}"),
];

/// The forward-auth check's answer with no check, from headers made at
/// compile time: about the least an actix-web handler can spend on it.
#[get("/get/identity")]
async fn identity_get() -> HttpResponse {
    let mut response = HttpResponse::Ok().finish();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in IDENTITY_NAMES.into_iter().zip(IDENTITY_VALUES) {
        headers.insert(name, value);
    }
    response
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("BASELINE_BIND").unwrap_or_else(|_| "127.0.0.1:18081".to_owned());
    let workers = std::env::var("BASELINE_WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(2);
    HttpServer::new(|| App::new().service(verify).service(bare_get).service(identity_get))
        .workers(workers)
        .bind(bind)?
        .run()
        .await
}
