//! What seed 004's API serves, and its part of the OpenAPI document.

use actix_web::guard::{self, GuardContext};
use actix_web::web;
use utoipa::OpenApi;

use super::errors::{Accounts, AccountsError};
use super::handlers;
use crate::error_shape::resource;

/// Whether the query string names `account_id`: what makes a request to
/// `/v1/api-keys` seed 004's rather than seed 001's.
fn names_account(ctx: &GuardContext<'_>) -> bool {
    ctx.head().uri.query().is_some_and(|q| q.split('&').any(|pair| pair.split('=').next() == Some("account_id")))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Seed 004 documents `/v1/api-keys/` with its trailing slash: those paths
    // are this dialect's alone, so a request missing `account_id` is told so
    // in this dialect's shape. Without the slash the resources are guarded: a
    // request without `account_id` falls through to the next resource on the
    // same path, seed 001's.
    cfg.service(
        resource::<Accounts>(&["/v1/api-keys/"], "GET, POST")
            .route(web::post().to(handlers::create_api_key))
            .route(web::get().to(handlers::list_api_keys)),
    )
    .service(
        resource::<Accounts>(&["/v1/api-keys/{id}/"], "GET, DELETE")
            .route(web::get().to(handlers::get_api_key))
            .route(web::delete().to(handlers::revoke_api_key)),
    )
    .service(
        resource::<Accounts>(&["/v1/api-keys"], "GET, POST")
            .guard(guard::fn_guard(names_account))
            .route(web::post().to(handlers::create_api_key))
            .route(web::get().to(handlers::list_api_keys)),
    )
    .service(
        resource::<Accounts>(&["/v1/api-keys/{id}"], "GET, DELETE")
            .guard(guard::fn_guard(names_account))
            .route(web::get().to(handlers::get_api_key))
            .route(web::delete().to(handlers::revoke_api_key)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(handlers::create_api_key, handlers::list_api_keys, handlers::get_api_key, handlers::revoke_api_key),
    components(schemas(AccountsError)),
    tags((name = super::TAG, description = "For clients that manage keys per account: `/v1/api-keys/?account_id=…`, permissions as `{resource: [actions]}` (`account:api:key:create` = `api_keys.create`), answers `{message, success, data}`. Bearer: an `sk_`/`pk_` key, or a JWT access token when a provider is configured."))
)]
struct AccountsApi;

/// This dialect's part of the document, under its tag, its operation ids
/// prefixed with `accounts_`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    super::super::dialect_fragment(AccountsApi::openapi(), super::TAG, "accounts")
}
