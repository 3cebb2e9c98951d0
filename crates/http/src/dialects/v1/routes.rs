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
            .route(web::post().to(handlers::create))
            .route(web::get().to(handlers::list)),
    )
    .service(
        resource::<V1>(&["/v1/api-keys/{id}", "/v1/api-keys/{id}/"], "GET, DELETE")
            .route(web::get().to(handlers::get))
            .route(web::delete().to(handlers::revoke)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create, handlers::list, handlers::get, handlers::revoke),
    components(schemas(V1Error)),
    tags((name = super::TAG, description = "For clients of a camelCase `/v1/api-keys` API: one `scope` per key (`read` or `read-write`), answers `{code, data, message, requestId}`."))
)]
pub struct V1Api;
