//! `/developers/api_keys`: the key lifecycle (create, list, read, update,
//! rotate, revoke) and verify.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use sesame_application::api_keys::Change;
use sesame_application::api_keys::{
    ChangeCreditsCommand, CreateApiKeyCommand, ListApiKeysQuery, RotateApiKeyCommand, UpdateApiKeyCommand,
    VerifyApiKeyCommand,
};

use crate::dialects::native::errors::Native;
use crate::dialects::native::schemas::{
    rate_limits_input, ApiKeyData, ApiKeyPage, ChangeCreditsRequest, CreateApiKeyRequest, CreatedApiKeyData,
    CreditBalanceData, Envelope, ImportApiKeysRequest, ImportedKeysData, ListApiKeysParams, RotateApiKeyRequest,
    RotatedApiKeyData, UpdateApiKeyRequest, VerificationData, VerifyApiKeyRequest,
};
use crate::error_case::{
    Conflict, Forbidden, Internal, InvalidBody, InvalidId, InvalidQuery, LacksApiKeysDelete, LacksApiKeysRead,
    LacksApiKeysUpdate, LargeBody, NotFound, SlowBody, TooManyRequests, Unauthenticated, UnreadableBody,
    UnreadableQuery,
};
use crate::error_docs::Errors;
use crate::{time_format, ApiError, Authenticated, JsonBody, MaybeAuthenticated, PageParams, Services};

pub const TAG: &str = "API keys";

/// The body limit of an import: 1,000 keys of up to 4 KiB each.
pub const IMPORT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

fn ok<T: utoipa::ToSchema + serde::Serialize>(message: &'static str, data: T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope::new(200, message, data))
}

/// Create a new API key
///
/// Issues a key in the caller's organization and environment. The plaintext
/// `secret` is in this response only. Requires `api_keys.create`; the caller
/// may grant only scopes it holds.
#[utoipa::path(
    request_body(content = CreateApiKeyRequest, description = "Request body for creating a new API key",
        example = json!({"label": "My API Key", "description": "Key for accessing product APIs", "scopes": ["products.read", "products.create"], "ip_allow_list": ["127.0.0.1", "10.0.0.0/8"], "expires_at": "2030-06-29 16:03:44", "metadata": {"team": "checkout"}, "rate_limits": [{"name": "default", "limit": 100, "duration_seconds": 60}], "credits": {"remaining": 1000, "refill": {"amount": 1000, "interval": "monthly", "refill_day": 1}}})),
    responses(
        (status = 201, description = "Successful API key creation response", body = Envelope<CreatedApiKeyData>,
            headers(("X-Request-Id" = String, description = "Identifies the request in the server's logs"))),
        Errors<Native, (UnreadableBody, Unauthenticated, Forbidden, SlowBody, LargeBody, TooManyRequests, InvalidBody, Internal)>,
    ),
)]
#[post("/developers/api_keys")]
pub async fn create_api_key(
    caller: Authenticated,
    body: JsonBody<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = CreateApiKeyCommand {
        label: Some(request.label),
        description: request.description,
        scopes: request.scopes.unwrap_or_default(),
        ip_allow_list: request.ip_allow_list.unwrap_or_default(),
        expires_at: request.expires_at,
        metadata: request.metadata,
        kind: request.kind,
        environment: request.environment,
        service_account_id: request.service_account_id,
        rate_limits: rate_limits_input(request.rate_limits),
        credits: request.credits.map(Into::into),
    };
    let created = caller.services.create_api_key.execute(&caller.principal, command).await?;
    let data = CreatedApiKeyData::new(&created.key, created.token.expose());
    Ok(HttpResponse::Created().json(Envelope::new(201, "Resource created successfully", data)))
}

/// Import API keys from another key service
///
/// Stores up to 1,000 keys that another service issued, each keeping its
/// original token: given as `plaintext` (hashed at once, never stored) or as
/// the `hash` that service stored (SHA-256 of Unkey or better-auth, SHA-512
/// of django-rest-framework-api-key). Each key is imported or rejected on its
/// own; `results` says which, in the request's order, and why. A token that
/// is a key's already is a `duplicate`. Each imported key is audited as
/// `api_key.imported`. Requires `api_keys.create`; the caller may grant only
/// scopes it holds. The body may be up to 4 MiB. See docs/import.md.
#[utoipa::path(
    post,
    path = "/developers/api_keys/import",
    request_body(content = ImportApiKeysRequest, description = "The keys to import",
        example = json!({"keys": [
            {"label": "Checkout (from Unkey)", "scopes": ["products.read"], "hash": {"algorithm": "sha256", "encoding": "base64", "value": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", "prefix": "prod_"}},
            {"label": "Reporting (plaintext)", "scopes": ["products.read"], "metadata": {"team": "data"}, "plaintext": "prod_3ZaBcdEfGhJkLmNpQrStUvWx"}
        ]})),
    responses(
        (status = 200, description = "The batch was processed: each key imported or rejected with its reason", body = Envelope<ImportedKeysData>,
            headers(("X-Request-Id" = String, description = "Identifies the request in the server's logs"))),
        Errors<Native, (UnreadableBody, Unauthenticated, Forbidden, SlowBody, LargeBody, TooManyRequests, InvalidBody, Internal)>,
    ),
)]
pub async fn import_api_keys(
    caller: Authenticated,
    body: JsonBody<ImportApiKeysRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let outcomes = caller.services.import_api_keys.execute(&caller.principal, request.into()).await?;
    let now = caller.services.authenticate.now();
    Ok(ok("Keys imported", ImportedKeysData::new(outcomes, now)))
}

/// List API keys
///
/// The caller's organization's keys in the caller's environment, newest
/// first, by keyset pagination. Never returns a secret. Requires `api_keys.read`.
#[utoipa::path(
    params(PageParams, ListApiKeysParams),
    responses((status = 200, description = "One page of keys", body = Envelope<ApiKeyPage>), Errors<Native, (UnreadableQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, InvalidQuery, Internal)>),
)]
#[get("/developers/api_keys")]
pub async fn list_api_keys(
    caller: Authenticated,
    params: web::Query<ListApiKeysParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let query = ListApiKeysQuery {
        page: params.page.into(),
        status: params.status,
        environment: params.environment,
        service_account_id: params.service_account_id,
    };
    let page = caller.services.list_api_keys.execute(&caller.principal, query).await?;
    let data = ApiKeyPage {
        items: page.items.iter().map(|view| ApiKeyData::new(&view.key, view.status)).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(ok("Resources retrieved successfully", data))
}

/// Retrieve an API key
///
/// Requires `api_keys.read`. Includes usage: `metrics`, `last_used_ip`, `last_used_user_agent`.
#[utoipa::path(
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses((status = 200, description = "The key", body = Envelope<ApiKeyData>), Errors<Native, (Unauthenticated, TooManyRequests, LacksApiKeysRead, NotFound, InvalidId, Internal)>),
)]
#[get("/developers/api_keys/{id}")]
pub async fn get_api_key(caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let key = caller.services.get_api_key.execute(&caller.principal, &id).await?;
    Ok(ok("Resource retrieved successfully", ApiKeyData::new(&key.key, key.status)))
}

/// Update an API key
///
/// Changes label, description, scopes, IP allow list, expiry (null removes
/// it), metadata, rate limits (`[]` removes them) or credits (null removes
/// them; an object sets the balance and starts a new refill period). Requires `api_keys.update`; the caller may neither grant
/// scopes it lacks nor change a key holding scopes it lacks.
#[utoipa::path(
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body(content = UpdateApiKeyRequest, example = json!({"label": "My renamed API key", "scopes": ["products.read"], "expires_at": null, "rate_limits": [{"name": "default", "limit": 1000, "duration_seconds": 3600}]})),
    responses((status = 200, description = "The updated key", body = Envelope<ApiKeyData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksApiKeysUpdate, NotFound, Conflict, InvalidBody, Internal)>),
)]
#[patch("/developers/api_keys/{id}")]
pub async fn update_api_key(
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<UpdateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = UpdateApiKeyCommand {
        label: request.label,
        description: request.description,
        scopes: request.scopes,
        ip_allow_list: request.ip_allow_list,
        expires_at: match request.expires_at {
            None => Change::Keep,
            Some(None) => Change::Clear,
            Some(Some(raw)) => Change::Set(raw),
        },
        metadata: request.metadata,
        rate_limits: rate_limits_input(request.rate_limits),
        credits: match request.credits {
            None => Change::Keep,
            Some(None) => Change::Clear,
            Some(Some(credits)) => Change::Set(credits.into()),
        },
    };
    let key = caller.services.update_api_key.execute(&caller.principal, &id, command).await?;
    Ok(ok("Resource updated successfully", ApiKeyData::new(&key.key, key.status)))
}

/// Rotate an API key
///
/// Issues a new secret, shown this once. The old secret keeps working for
/// `grace_period_seconds` (default 0: it stops at once), like Stripe's
/// "roll key". Requires `api_keys.update`. The body may be omitted.
#[utoipa::path(
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body(content = Option<RotateApiKeyRequest>, description = "Optional", example = json!({"grace_period_seconds": 3600})),
    responses((status = 200, description = "The key and its new secret", body = Envelope<RotatedApiKeyData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksApiKeysUpdate, NotFound, Conflict, InvalidBody, Internal)>),
)]
#[post("/developers/api_keys/{id}/rotate")]
pub async fn rotate_api_key(
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<RotateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let command = RotateApiKeyCommand { grace_period_secs: body.parse_or_default()?.grace_period_seconds };
    let rotated = caller.services.rotate_api_key.execute(&caller.principal, &id, command).await?;
    let data = RotatedApiKeyData {
        key: ApiKeyData::new(&rotated.key, rotated.status),
        secret: rotated.token.expose(),
        previous_secret_expires_at: time_format::format(rotated.previous_secret_expires_at),
    };
    Ok(ok("Resource rotated successfully", data))
}

/// Revoke an API key
///
/// The key stops authenticating and verifying at once and stays readable
/// with `revoked_at` set. Revoking twice is not an error. Requires `api_keys.delete`.
#[utoipa::path(
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses((status = 200, description = "The revoked key", body = Envelope<ApiKeyData>), Errors<Native, (Unauthenticated, TooManyRequests, LacksApiKeysDelete, NotFound, InvalidId, Internal)>),
)]
#[delete("/developers/api_keys/{id}")]
pub async fn revoke_api_key(caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let key = caller.services.revoke_api_key.execute(&caller.principal, &id).await?;
    Ok(ok("Resource revoked successfully", ApiKeyData::new(&key.key, key.status)))
}

/// Verify an API key
///
/// For services behind a gateway: is `key` valid, for `required_scopes`,
/// from `ip`? Always 200 with a `code`; an invalid key learns only its code.
/// Callable with a bearer key of the same organization holding
/// `api_keys.read` (other organizations' keys are `NOT_FOUND` to it), or
/// without `Authorization` by whoever holds `key` itself. A valid key counts
/// one use and spends `cost` (default 1) of its rate limits and credits, and
/// of its service account's: over a limit, the code is `RATE_LIMITED` or
/// `USAGE_EXCEEDED` and nothing is spent. A key with limits gets their state.
#[utoipa::path(
    request_body(content = VerifyApiKeyRequest, example = json!({"key": "sk_live_3yQmB7cMWJqPvVvTRwDmnuxx", "required_scopes": ["products.read"]})),
    responses((status = 200, description = "The verdict", body = Envelope<VerificationData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksApiKeysRead, InvalidBody, Internal)>),
    security((), ("bearerAuth" = []))
)]
#[post("/developers/api_keys/verify")]
pub async fn verify_api_key(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    body: JsonBody<VerifyApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = VerifyApiKeyCommand {
        key: request.key,
        required_scopes: request.required_scopes.unwrap_or_default(),
        ip: request.ip,
        peer_ip: caller.ip,
        user_agent: caller.user_agent,
        cost: request.cost,
    };
    let principal = caller.caller.as_ref().map(|c| &c.principal);
    let verification = services.verify_api_key.execute(principal, command).await?;
    let data = VerificationData::new(verification.code, verification.key()).with_usage(verification.usage.as_ref());
    Ok(ok("Key verified", data))
}

/// Change an API key's credits
///
/// `set` the balance (which also gives credits to a key without any and
/// starts a new refill period), `increment` it, or `decrement` it (stopping
/// at 0), in one atomic step recorded in the audit trail as
/// `api_key.credits_changed`. Requires `api_keys.update` and the right to
/// manage the key.
#[utoipa::path(
    params(("id" = String, Path, description = "`api_key_<uuid>`", pattern = "^api_key_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body(content = ChangeCreditsRequest, example = json!({"op": "set", "amount": 1000})),
    responses((status = 200, description = "The balance after the change", body = Envelope<CreditBalanceData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksApiKeysUpdate, NotFound, Conflict, InvalidBody, Internal)>),
)]
#[post("/developers/api_keys/{id}/credits")]
pub async fn change_api_key_credits(
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<ChangeCreditsRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = ChangeCreditsCommand { op: Some(request.op), amount: Some(request.amount) };
    let balance = caller.services.change_api_key_credits.execute(&caller.principal, &id, command).await?;
    let data = CreditBalanceData { key_id: balance.key_id.to_string(), remaining: balance.remaining };
    Ok(ok("Credits changed", data))
}
