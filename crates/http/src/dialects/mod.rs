//! The APIs Sesame speaks, one folder each: `native` (Sesame's own
//! `/developers/…`), `v1` (seed 001's `/v1/api-keys`), `generic` (seed 003's
//! `/api-keys`) and `accounts` (seed 004's `/v1/api-keys/?account_id=…`).
//! Nothing here holds a business rule: scopes, grants, tenancy and
//! validation are the application's, reached through the same commands
//! whichever dialect a request speaks.
//!
//! Every dialect has the same modules: `routes.rs` (its routes, built with
//! `error_shape::resource` so that its 405s are in its shape,
//! and its `#[derive(OpenApi)]` fragment: paths, tags, its error schema),
//! `handlers` (onto the use cases, each documenting its errors as
//! [`Errors<Shape, (Case, …)>`](crate::Errors)), `schemas` (its request and
//! response bodies) and `errors.rs` (its [`ErrorShape`](crate::ErrorShape):
//! body, field names, words for scopes, statuses, descriptions).
//!
//! To add a dialect: copy one folder's layout into a new one, export its
//! `routes`, its fragment and its shape from its `mod.rs`, and add one line
//! to [`DIALECTS`]; the routes and the OpenAPI document both come from that
//! list. docs/dialects.md says more.

pub mod accounts;
pub mod generic;
pub mod native;
pub mod v1;

use actix_web::web;

/// What Sesame needs of a dialect besides its error shape, which its
/// handlers name.
pub(crate) struct Dialect {
    pub routes: fn(&mut web::ServiceConfig),
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

/// Every dialect, in the order its routes are registered and its part of
/// the document is merged. Seeds 004 and 001 share `/v1/api-keys`: accounts'
/// resources are guarded by `account_id` and v1's are not, and actix-web
/// falls through to the next resource on the same path when a resource's
/// guard fails, so accounts must come before v1 (with v1 first, the
/// dialect_accounts HTTP tests fail).
pub(crate) const DIALECTS: [Dialect; 4] = [
    Dialect { routes: native::routes, openapi: native::openapi },
    Dialect { routes: accounts::routes, openapi: accounts::openapi },
    Dialect { routes: v1::routes, openapi: v1::openapi },
    Dialect { routes: generic::routes, openapi: generic::openapi },
];

/// A dialect's fragment with every operation under `tag` and its id
/// prefixed with `prefix` (`v1_create_api_key`): the dialects name their
/// handlers alike, and Swagger UI finds an operation by its id, so two
/// dialects must never share one.
pub(crate) fn dialect_fragment(mut doc: utoipa::openapi::OpenApi, tag: &str, prefix: &str) -> utoipa::openapi::OpenApi {
    for operation in operations(&mut doc) {
        operation.operation_id = operation.operation_id.take().map(|id| format!("{prefix}_{id}"));
    }
    tagged(doc, tag)
}

/// `doc` with every operation under `tag` alone.
pub(crate) fn tagged(mut doc: utoipa::openapi::OpenApi, tag: &str) -> utoipa::openapi::OpenApi {
    for operation in operations(&mut doc) {
        operation.tags = Some(vec![tag.to_owned()]);
    }
    doc
}

fn operations(doc: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
    })
}

/// Registers every dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    for dialect in &DIALECTS {
        (dialect.routes)(cfg);
    }
}
