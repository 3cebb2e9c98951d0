//! What seed 003's API serves, and its part of the OpenAPI document.

use actix_web::web;
use utoipa::OpenApi;

use super::errors::{Generic, GenericError};
use super::handlers;
use crate::error_shape::method_not_allowed;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api-keys")
            .route(web::post().to(handlers::create))
            .route(web::get().to(handlers::list))
            .default_service(method_not_allowed::<Generic>("GET, POST")),
    )
    .service(
        web::resource("/api-keys/{id}")
            .route(web::get().to(handlers::get))
            .route(web::delete().to(handlers::revoke))
            .default_service(method_not_allowed::<Generic>("GET, DELETE")),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create, handlers::list, handlers::get, handlers::revoke),
    components(schemas(GenericError)),
    tags((name = super::TAG, description = "Seed 003's dialect: `/api-keys`, errors as the generic `{code, message}` object."))
)]
pub struct GenericApi;
