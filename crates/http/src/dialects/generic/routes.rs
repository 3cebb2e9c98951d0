//! What seed 003's API serves, and its part of the OpenAPI document.

use actix_web::web;
use utoipa::OpenApi;

use super::errors::{Generic, GenericError};
use super::handlers;
use crate::error_shape::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource::<Generic>(&["/api-keys"], "GET, POST")
            .route(web::post().to(handlers::create))
            .route(web::get().to(handlers::list)),
    )
    .service(
        resource::<Generic>(&["/api-keys/{id}"], "GET, DELETE")
            .route(web::get().to(handlers::get))
            .route(web::delete().to(handlers::revoke)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create, handlers::list, handlers::get, handlers::revoke),
    components(schemas(GenericError)),
    tags((name = super::TAG, description = "For clients that expect a plain REST resource: `/api-keys`, bare JSON bodies, errors as `{code, message}`."))
)]
pub struct GenericApi;
