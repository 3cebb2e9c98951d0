//! What seed 001's API serves, and its part of the OpenAPI document.

use actix_web::web;
use utoipa::OpenApi;

use super::errors::{V1Error, V1};
use super::handlers;
use crate::error_shape::method_not_allowed;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Both with and without the trailing slash, as clients send either. Seed
    // 004's requests to these paths (`account_id`) were claimed before.
    cfg.service(
        web::resource(["/v1/api-keys", "/v1/api-keys/"])
            .route(web::post().to(handlers::create))
            .route(web::get().to(handlers::list))
            .default_service(method_not_allowed::<V1>("GET, POST")),
    )
    .service(
        web::resource(["/v1/api-keys/{id}", "/v1/api-keys/{id}/"])
            .route(web::get().to(handlers::get))
            .route(web::delete().to(handlers::revoke))
            .default_service(method_not_allowed::<V1>("GET, DELETE")),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create, handlers::list, handlers::get, handlers::revoke),
    components(schemas(V1Error)),
    tags((name = super::TAG, description = "Seed 001's dialect: `/v1/api-keys`, camelCase, `{code, data, message, requestId}`; `scope` is `read` or `read-write`. Requests without `account_id` on `/v1/api-keys`."))
)]
pub struct V1Api;
