//! Seed 001's operations, each onto the use case the native API drives.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use sesame_application::api_keys::{CreateApiKeyCommand, ListApiKeysQuery};
use utoipa::ToSchema;

use super::errors::V1;
use super::schemas::{
    AccessLevel, ApiKeyV1, ApiKeyV1Page, CreateApiKeyV1Request, CreatedApiKeyV1, ListV1Params, V1Envelope,
};
use crate::error_case::{
    Forbidden, Internal, InvalidBody, InvalidId, InvalidQuery, LacksApiKeysDelete, LacksApiKeysRead, LargeBody,
    NotFound, SlowBody, TooManyRequests, Unauthenticated,
};
use crate::error_docs::Errors;
use crate::error_shape::{query, DialectError, Shaped};
use crate::{request_id, Authenticated, JsonBody, PageParams};

type Error = DialectError<V1>;

fn ok<T: ToSchema + Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(V1Envelope { code: 200, data, message: "success", request_id: request_id::current_id() })
}

/// Create a new API key for the current organization
///
/// `scope` `read` (the default) grants every read-only scope outside key and
/// organization management; `read-write` every scope outside them. The
/// caller must hold them all. `key` is the plaintext, shown only once.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    request_body(content = CreateApiKeyV1Request, description = "API key details",
        example = json!({"name": "CI deploy key", "description": "Deploys from CI", "scope": "read", "expiresAt": "2030-01-01T00:00:00Z"})),
    responses(
        (status = 200, description = "OK", body = V1Envelope<CreatedApiKeyV1>),
        Errors<V1, (InvalidBody, Unauthenticated, Forbidden, SlowBody, LargeBody, TooManyRequests, Internal)>,
    ),
)]
pub async fn create_api_key(
    caller: Shaped<V1, Authenticated>,
    body: Shaped<V1, JsonBody<CreateApiKeyV1Request>>,
) -> Result<HttpResponse, Error> {
    let request = body.0.parse()?;
    let level = AccessLevel::parse(request.scope.as_deref())?;
    let command = CreateApiKeyCommand {
        label: Some(request.name),
        description: request.description,
        scopes: level.scopes(),
        expires_at: request.expires_at,
        service_account_id: request.service_account_id,
        ..Default::default()
    };
    let created = caller.services.create_api_key.execute(&caller.principal, command).await?;
    Ok(ok(CreatedApiKeyV1 { api_key: ApiKeyV1::new(&created.key), key: created.token.expose() }))
}

/// List API keys
///
/// The caller's organization's keys, newest first. Requires `api_keys.read`.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    params(PageParams, ListV1Params),
    responses(
        (status = 200, description = "OK", body = V1Envelope<ApiKeyV1Page>),
        Errors<V1, (InvalidQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, Internal)>,
    ),
)]
pub async fn list_api_keys(caller: Shaped<V1, Authenticated>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let params: ListV1Params = query(&req)?;
    let query = ListApiKeysQuery {
        page: params.page.into(),
        service_account_id: params.service_account_id,
        ..Default::default()
    };
    let page = caller.services.list_api_keys.execute(&caller.principal, query).await?;
    Ok(ok(ApiKeyV1Page {
        items: page.items.iter().map(|view| ApiKeyV1::new(&view.key)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Get an API key
#[utoipa::path(
    get,
    path = "/v1/api-keys/{id}",
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "OK", body = V1Envelope<ApiKeyV1>),
        Errors<V1, (Unauthenticated, TooManyRequests, LacksApiKeysRead, NotFound, InvalidId, Internal)>,
    ),
)]
pub async fn get_api_key(caller: Shaped<V1, Authenticated>, id: web::Path<String>) -> Result<HttpResponse, Error> {
    let key = caller.services.get_api_key.execute(&caller.principal, &id).await?;
    Ok(ok(ApiKeyV1::new(&key.key)))
}

/// Revoke an API key
///
/// The key stops working at once and stays readable with `revokedAt` set.
/// Requires `api_keys.delete`.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "OK: the revoked key", body = V1Envelope<ApiKeyV1>),
        Errors<V1, (Unauthenticated, TooManyRequests, LacksApiKeysDelete, NotFound, InvalidId, Internal)>,
    ),
)]
pub async fn revoke_api_key(caller: Shaped<V1, Authenticated>, id: web::Path<String>) -> Result<HttpResponse, Error> {
    let key = caller.services.revoke_api_key.execute(&caller.principal, &id).await?;
    Ok(ok(ApiKeyV1::new(&key.key)))
}
