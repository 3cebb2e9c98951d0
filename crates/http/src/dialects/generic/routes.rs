//! What seed 003's API serves, and its part of the OpenAPI document.

use actix_web::web;
use utoipa::OpenApi;

use super::errors::{Generic, GenericError};
use super::handlers;
use crate::error_shape::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource::<Generic>(&["/api-keys"], "GET, POST")
            .route(web::post().to(handlers::create_api_key))
            .route(web::get().to(handlers::list_api_keys)),
    )
    .service(
        resource::<Generic>(&["/api-keys/{id}"], "GET, DELETE")
            .route(web::get().to(handlers::get_api_key))
            .route(web::delete().to(handlers::revoke_api_key)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create_api_key, handlers::list_api_keys, handlers::get_api_key, handlers::revoke_api_key),
    components(schemas(GenericError)),
    tags((name = super::TAG, description = "For clients that expect a plain REST resource: `/api-keys`, bare JSON bodies, errors as `{code, message}`."))
)]
struct GenericApi;

/// This dialect's part of the document, under its tag, its operation ids
/// prefixed with `generic_`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    super::super::dialect_fragment(GenericApi::openapi(), super::TAG, "generic")
}
