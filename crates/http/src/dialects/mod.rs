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
pub mod plain;
mod shape;

use actix_web::guard::{self, GuardContext};
use actix_web::web;
use chrono::{DateTime, SecondsFormat, Utc};
use sesame_domain::ApiKey;

pub use shape::{DialectError, ErrorShape};

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn rfc3339_opt(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(rfc3339)
}

/// The person behind a key: the subject of the access token that issued it.
pub(crate) fn user_id(key: &ApiKey) -> Option<String> {
    key.created_by.strip_prefix("token:").map(str::to_owned)
}

/// Whether the query string names `account_id` (seed 004's requests).
fn names_account(ctx: &GuardContext<'_>) -> bool {
    ctx.head().uri.query().is_some_and(|q| q.split('&').any(|pair| pair.split('=').next() == Some("account_id")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Both with and without the trailing slash: seed 004 documents
    // `/v1/api-keys/`, seed 001 `/v1/api-keys`, and clients send either.
    cfg.service(
        web::resource(["/v1/api-keys", "/v1/api-keys/"])
            .route(web::post().guard(guard::fn_guard(names_account)).to(accounts::create))
            .route(web::get().guard(guard::fn_guard(names_account)).to(accounts::list))
            .route(web::post().to(camel::create))
            .route(web::get().to(camel::list)),
    )
    .service(
        web::resource(["/v1/api-keys/{id}", "/v1/api-keys/{id}/"])
            .route(web::get().guard(guard::fn_guard(names_account)).to(accounts::get))
            .route(web::delete().guard(guard::fn_guard(names_account)).to(accounts::revoke))
            .route(web::get().to(camel::get))
            .route(web::delete().to(camel::revoke)),
    )
    .service(web::resource("/api-keys").route(web::post().to(plain::create)).route(web::get().to(plain::list)))
    .service(web::resource("/api-keys/{id}").route(web::get().to(plain::get)).route(web::delete().to(plain::revoke)));
}
