//! What seed 001's API serves, and its part of the OpenAPI document.

use actix_web::web;
use utoipa::OpenApi;

use super::errors::{V1Error, V1};
use super::handlers;
use crate::error_shape::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Both with and without the trailing slash, as clients send either. Seed
    // 004's requests to these paths (`account_id`) were claimed before.
    cfg.service(
        resource::<V1>(&["/v1/api-keys", "/v1/api-keys/"], "GET, POST")
            .route(web::post().to(handlers::create_api_key))
            .route(web::get().to(handlers::list_api_keys)),
    )
    .service(
        resource::<V1>(&["/v1/api-keys/{id}", "/v1/api-keys/{id}/"], "GET, DELETE")
            .route(web::get().to(handlers::get_api_key))
            .route(web::delete().to(handlers::revoke_api_key)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create_api_key, handlers::list_api_keys, handlers::get_api_key, handlers::revoke_api_key),
    components(schemas(V1Error)),
    tags((name = super::TAG, description = "For clients of a camelCase `/v1/api-keys` API: one `scope` per key (`read` or `read-write`), answers `{code, data, message, requestId}`."))
)]
struct V1Api;

/// This dialect's part of the document, under its tag, its operation ids
/// prefixed with `v1_`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    super::super::dialect_fragment(V1Api::openapi(), super::TAG, "v1")
}
