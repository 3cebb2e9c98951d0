//! Seed 003's operations, each onto the use case the native API drives.

use actix_web::{web, HttpRequest, HttpResponse};
use sesame_application::api_keys::{CreateApiKeyCommand, ListApiKeysQuery};

use super::errors::{Generic, InvalidName};
use super::schemas::{check_name, CreateApiKeyPlainRequest, CreatedPlainApiKey, PlainApiKey, PlainApiKeyList};
use crate::error_case::{
    Forbidden, Internal, InvalidId, InvalidQuery, LacksApiKeysDelete, LacksApiKeysRead, LargeBody, NotFound, SlowBody,
    TooManyRequests, Unauthenticated,
};
use crate::error_docs::Errors;
use crate::error_shape::{query, DialectError, Shaped};
use crate::{Authenticated, JsonBody, PageParams};

type Error = DialectError<Generic>;

/// Create a new API key
///
/// A key with no scopes: it authenticates and verifies, and grants nothing
/// else. Requires `api_keys.create`.
#[utoipa::path(
    post,
    path = "/api-keys",
    request_body(content = CreateApiKeyPlainRequest, description = "Create an API key", example = json!({"name": "deploy-bot"})),
    responses(
        (status = 201, description = "The key and its plaintext", body = CreatedPlainApiKey,
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        Errors<Generic, (InvalidName, Unauthenticated, SlowBody, LargeBody, TooManyRequests, Forbidden, Internal)>,
    ),
)]
pub async fn create_api_key(
    caller: Shaped<Generic, Authenticated>,
    body: Shaped<Generic, JsonBody<CreateApiKeyPlainRequest>>,
) -> Result<HttpResponse, Error> {
    let request = body.0.parse()?;
    check_name(&request.name)?;
    let command = CreateApiKeyCommand { label: Some(request.name), ..Default::default() };
    let created = caller.services.create_api_key.execute(&caller.principal, command).await?;
    Ok(HttpResponse::Created().json(CreatedPlainApiKey {
        api_key: PlainApiKey::new(&created.key, created.status),
        key: created.token.expose(),
    }))
}

/// List API keys
#[utoipa::path(
    get,
    path = "/api-keys",
    params(PageParams),
    responses(
        (status = 200, description = "One page of keys, newest first", body = PlainApiKeyList,
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        Errors<Generic, (InvalidQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, Internal)>,
    ),
)]
pub async fn list_api_keys(caller: Shaped<Generic, Authenticated>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let page: PageParams = query(&req)?;
    let query = ListApiKeysQuery { page: page.into(), ..Default::default() };
    let page = caller.services.list_api_keys.execute(&caller.principal, query).await?;
    Ok(HttpResponse::Ok().json(PlainApiKeyList {
        data: page.items.iter().map(|view| PlainApiKey::new(&view.key, view.status)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Get an API key
#[utoipa::path(
    get,
    path = "/api-keys/{id}",
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "The key", body = PlainApiKey,
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        Errors<Generic, (Unauthenticated, TooManyRequests, LacksApiKeysRead, NotFound, InvalidId, Internal)>,
    ),
)]
pub async fn get_api_key(caller: Shaped<Generic, Authenticated>, id: web::Path<String>) -> Result<HttpResponse, Error> {
    let key = caller.services.get_api_key.execute(&caller.principal, &id).await?;
    Ok(HttpResponse::Ok().json(PlainApiKey::new(&key.key, key.status)))
}

/// Delete (revoke) an API key
///
/// The key stops working at once. Idempotent. Requires `api_keys.delete`.
#[utoipa::path(
    delete,
    path = "/api-keys/{id}",
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 204, description = "Revoked",
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        Errors<Generic, (Unauthenticated, TooManyRequests, LacksApiKeysDelete, NotFound, InvalidId, Internal)>,
    ),
)]
pub async fn revoke_api_key(
    caller: Shaped<Generic, Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    caller.services.revoke_api_key.execute(&caller.principal, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
