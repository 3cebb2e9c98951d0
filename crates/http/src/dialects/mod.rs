//! The other APIs' dialects of "create an API key" (and list, get, revoke),
//! each a module of DTOs, a mapping onto the same use cases, and its own
//! error shape. Nothing here holds a business rule: scopes, grants, tenancy
//! and validation are the application's, reached through the same commands
//! the native API sends. docs/dialects.md says how to add one.
//!
//! Seeds 001 and 004 share `/v1/api-keys`: a request carrying the
//! `account_id` query parameter is seed 004's, any other seed 001's.

pub mod accounts;
pub mod camel;
pub mod native;
pub mod plain;

use actix_web::guard::{self, GuardContext};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use sesame_domain::ApiKey;

use crate::ApiError;

pub use crate::error_shape::{DialectError, ErrorShape};

/// The person behind a key: the subject of the access token that issued it.
pub(crate) fn user_id(key: &ApiKey) -> Option<String> {
    key.created_by.strip_prefix("token:").map(str::to_owned)
}

/// Whether the query string names `account_id` (seed 004's requests).
fn names_account(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|pair| pair.split('=').next() == Some("account_id")))
}

fn account_guard(ctx: &GuardContext<'_>) -> bool {
    names_account(ctx.head().uri.query())
}

/// A method the path does not serve: 405 with `Allow`, in the shape of the
/// dialect the request is addressed to.
fn method_not_allowed(req: &HttpRequest, allowed: &'static str) -> ApiError {
    ApiError::MethodNotAllowed { method: req.method().to_string(), allowed }
}

async fn v1_collection_method(req: HttpRequest) -> HttpResponse {
    v1_reject(&req, method_not_allowed(&req, "GET, POST"))
}

async fn v1_item_method(req: HttpRequest) -> HttpResponse {
    v1_reject(&req, method_not_allowed(&req, "GET, DELETE"))
}

fn v1_reject(req: &HttpRequest, error: ApiError) -> HttpResponse {
    if names_account(req.uri().query()) {
        DialectError::<accounts::Accounts>::new(error).error_response()
    } else {
        DialectError::<camel::Camel>::new(error).error_response()
    }
}

async fn plain_collection_method(req: HttpRequest) -> HttpResponse {
    DialectError::<plain::Plain>::new(method_not_allowed(&req, "GET, POST")).error_response()
}

async fn plain_item_method(req: HttpRequest) -> HttpResponse {
    DialectError::<plain::Plain>::new(method_not_allowed(&req, "GET, DELETE")).error_response()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Both with and without the trailing slash: seed 004 documents
    // `/v1/api-keys/`, seed 001 `/v1/api-keys`, and clients send either.
    cfg.service(
        web::resource(["/v1/api-keys", "/v1/api-keys/"])
            .route(web::post().guard(guard::fn_guard(account_guard)).to(accounts::create))
            .route(web::get().guard(guard::fn_guard(account_guard)).to(accounts::list))
            .route(web::post().to(camel::create))
            .route(web::get().to(camel::list))
            .default_service(web::to(v1_collection_method)),
    )
    .service(
        web::resource(["/v1/api-keys/{id}", "/v1/api-keys/{id}/"])
            .route(web::get().guard(guard::fn_guard(account_guard)).to(accounts::get))
            .route(web::delete().guard(guard::fn_guard(account_guard)).to(accounts::revoke))
            .route(web::get().to(camel::get))
            .route(web::delete().to(camel::revoke))
            .default_service(web::to(v1_item_method)),
    )
    .service(
        web::resource("/api-keys")
            .route(web::post().to(plain::create))
            .route(web::get().to(plain::list))
            .default_service(web::to(plain_collection_method)),
    )
    .service(
        web::resource("/api-keys/{id}")
            .route(web::get().to(plain::get))
            .route(web::delete().to(plain::revoke))
            .default_service(web::to(plain_item_method)),
    );
}
