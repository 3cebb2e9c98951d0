//! Seed 004's operations, each onto the use case the native API drives, in
//! the account the request names.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use sesame_application::api_keys::{CreateApiKeyCommand, ListApiKeysQuery};
use sesame_application::organizations::OrganizationError;
use sesame_domain::ports::looks_like_jwt;
use sesame_domain::Principal;
use utoipa::ToSchema;

use super::errors::{unknown_account, Accounts, UnknownAccount};
use super::schemas::{
    scopes_of, AccountApiKey, AccountApiKeyList, AccountParams, AccountsEnvelope, CreateAccountApiKeyRequest,
};
use crate::authenticated::BearerRequest;
use crate::error_case::{
    Forbidden, Internal, InvalidBody, InvalidId, InvalidQuery, LacksApiKeysDelete, LacksApiKeysRead, LargeBody,
    NotFound, SlowBody, TooManyRequests, Unauthenticated,
};
use crate::error_docs::Errors;
use crate::error_shape::{query, DialectError, Shaped};
use crate::{ApiError, JsonBody, PageParams, Services};

type Error = DialectError<Accounts>;

fn success<T: ToSchema + Serialize>(status: StatusCode, data: T) -> HttpResponse {
    HttpResponse::build(status).json(AccountsEnvelope { message: "success", success: true, data })
}

/// The caller, acting in the account its `account_id` names: itself in its
/// own organization, or in one it created (with `organizations.read`). The
/// bearer token is a Sesame key, or a JWT access token when a provider is
/// configured. Any other account is not found, so ids of other tenants
/// reveal nothing.
pub struct AccountCaller {
    pub services: web::Data<Services>,
    /// The caller as it acts in the named account.
    pub principal: Principal,
    pub params: AccountParams,
}

impl FromRequest for AccountCaller {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut request = BearerRequest::of(req);
        let params = query::<AccountParams>(req);
        Box::pin(async move {
            let (services, token) = request.open()?;
            let caller = if looks_like_jwt(&token) {
                services.authenticate_access_token.execute(&token, request.ip).await.map_err(ApiError::from)?
            } else {
                request.key(&services, &token).await?.principal(request.ip)
            };
            let params = params?;
            let principal =
                services.act_in_organization.execute(&caller, &params.account_id).await.map_err(|err| match err {
                    OrganizationError::NotFound => unknown_account(),
                    other => other.into(),
                })?;
            Ok(AccountCaller { services, principal, params })
        })
    }
}

/// Create API key
///
/// Issues a new secret key for `account_id`. The plaintext `key` is only in
/// this response - store it in a secret manager. Requires
/// `account:api:key:create` (Sesame's `api_keys.create`); the caller may
/// grant only permissions it holds. Returns **201**.
#[utoipa::path(
    post,
    path = "/v1/api-keys/",
    params(("account_id" = String, Query, description = "Account that will own the new API key.")),
    request_body(content = CreateAccountApiKeyRequest, description = "Defines display name, permission map, optional expiry, and metadata. The raw secret is returned once in the response.",
        example = json!({"name": "Production server", "permissions": {"account:product": ["read", "create"]}, "expires_at": "2030-01-01T00:00:00Z", "metadata": {"region": "eu"}})),
    responses(
        (status = 201, description = "Created", body = AccountsEnvelope<AccountApiKey>),
        Errors<Accounts, (InvalidBody, Unauthenticated, Forbidden, UnknownAccount, SlowBody, LargeBody, TooManyRequests, Internal)>,
    ),
)]
pub async fn create_api_key(
    caller: AccountCaller,
    body: Shaped<Accounts, JsonBody<CreateAccountApiKeyRequest>>,
) -> Result<HttpResponse, Error> {
    let request = body.0.parse()?;
    let scopes = scopes_of(&request.permissions.unwrap_or_default())?;
    let command = CreateApiKeyCommand {
        label: Some(request.name),
        scopes,
        expires_at: request.expires_at,
        metadata: request.metadata,
        ..Default::default()
    };
    let created = caller.services.create_api_key.execute(&caller.principal, command).await?;
    Ok(success(StatusCode::CREATED, AccountApiKey::new(&created.key, created.status, Some(created.token.expose()))))
}

/// List API keys
#[utoipa::path(
    get,
    path = "/v1/api-keys/",
    params(AccountParams, PageParams),
    responses(
        (status = 200, description = "One page of keys, newest first", body = AccountsEnvelope<AccountApiKeyList>),
        Errors<Accounts, (InvalidQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, UnknownAccount, Internal)>,
    ),
)]
pub async fn list_api_keys(caller: AccountCaller) -> Result<HttpResponse, Error> {
    let query = ListApiKeysQuery { page: caller.params.page.into(), ..Default::default() };
    let page = caller.services.list_api_keys.execute(&caller.principal, query).await?;
    let data = AccountApiKeyList {
        object: "list",
        data: page.items.iter().map(|view| AccountApiKey::new(&view.key, view.status, None)).collect(),
        has_more: page.next_cursor.is_some(),
        next_cursor: page.next_cursor,
    };
    Ok(success(StatusCode::OK, data))
}

/// Retrieve an API key
#[utoipa::path(
    get,
    path = "/v1/api-keys/{id}/",
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"), ("account_id" = String, Query, description = "The caller's account")),
    responses(
        (status = 200, description = "The key, its secret redacted", body = AccountsEnvelope<AccountApiKey>),
        Errors<Accounts, (Unauthenticated, TooManyRequests, LacksApiKeysRead, NotFound, InvalidId, Internal)>,
    ),
)]
pub async fn get_api_key(caller: AccountCaller, id: web::Path<String>) -> Result<HttpResponse, Error> {
    let key = caller.services.get_api_key.execute(&caller.principal, &id).await?;
    Ok(success(StatusCode::OK, AccountApiKey::new(&key.key, key.status, None)))
}

/// Delete (revoke) an API key
///
/// The key stops working at once and is returned with `deleted: true`.
/// Requires `account:api:key:delete`.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}/",
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"), ("account_id" = String, Query, description = "The caller's account")),
    responses(
        (status = 200, description = "The revoked key", body = AccountsEnvelope<AccountApiKey>),
        Errors<Accounts, (Unauthenticated, TooManyRequests, LacksApiKeysDelete, NotFound, InvalidId, Internal)>,
    ),
)]
pub async fn revoke_api_key(caller: AccountCaller, id: web::Path<String>) -> Result<HttpResponse, Error> {
    let key = caller.services.revoke_api_key.execute(&caller.principal, &id).await?;
    Ok(success(StatusCode::OK, AccountApiKey::new(&key.key, key.status, None)))
}
