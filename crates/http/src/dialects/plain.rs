//! Seed 003's dialect: `/api-keys`, a key is just a name, and every error is
//! the generic error object `{code, message}` (code a snake_case string).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sesame_application::{CreateApiKeyCommand, ListApiKeysQuery, ValidationErrors};
use sesame_domain::ApiKey;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoParams, IntoResponses, ToSchema};

use crate::error_responses::documented_error;
use crate::error_shape::{describe, query, DialectError, ErrorShape, Shaped};
use crate::key_status::status_now;
use crate::time_format::rfc3339;
use crate::{ApiError, Authenticated, JsonBody, Services};

pub const TAG: &str = "Plain /api-keys (seed 003)";

/// At most this many characters, as seed 003 documents (Sesame's own limit is 255).
const NAME_MAX_CHARS: usize = 100;

pub struct Plain;

impl Plain {
    fn code(error: &ApiError) -> &'static str {
        match error {
            ApiError::BadRequest { .. } | ApiError::Validation(_) => "invalid_input",
            ApiError::Unauthenticated(_) => "invalid_token",
            ApiError::Forbidden(_) => "permission_denied",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooManyRequests { .. } => "rate_limited",
            ApiError::Internal(_) => "internal_error",
        }
    }
}

impl ErrorShape for Plain {
    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            other => other,
        }
    }

    fn body(error: &ApiError, _: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        let mut body = serde_json::json!({ "code": Self::code(error), "message": describe(error, fields.as_ref()) });
        if let Some(fields) = fields {
            body["errors"] = serde_json::json!(fields);
        }
        body
    }
}

type Error = DialectError<Plain>;

/// Generic API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenericError {
    /// Unique (system-wide) error code: `invalid_input`, `invalid_token`,
    /// `permission_denied`, `not_found`, `conflict`, `rate_limited` or
    /// `internal_error`.
    #[schema(example = "invalid_token")]
    pub code: String,
    /// Developer-friendly message explaining error.
    #[schema(example = "The access token expired.")]
    pub message: String,
    /// On `invalid_input`: each bad field and its problem.
    pub errors: Option<BTreeMap<String, String>>,
}

const REQUEST_ID: &str = "ID uniquely identifying the request/response cycle.";

/// Seed 003's documented errors: the generic error object, with
/// `X-Request-Id`, and an example of what each really says.
macro_rules! generic_errors {
    ($($name:ident => $status:literal, $description:literal, $example:expr;)+) => {$(
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let response = documented_error($description, "GenericError", REQUEST_ID, $example);
                BTreeMap::from([($status.to_string(), response)])
            }
        }
    )+};
}

fn example(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "code": code, "message": message })
}

generic_errors! {
    InvalidInput => 400, "Invalid input", serde_json::json!({
        "code": "invalid_input",
        "message": "name: must be at most 100 characters",
        "errors": { "name": "must be at most 100 characters" },
    });
    InvalidToken => 401, "Access token is missing or invalid", example("invalid_token", "the API key has expired");
    PermissionDenied => 403, "Permission denied",
        example("permission_denied", "this key lacks the `api_keys.create` scope");
    NoSuchKey => 404, "No such key in the caller's organization", example("not_found", "no such API key");
    RateLimited => 429, "Too many failed attempts; see `Retry-After`",
        example("rate_limited", "too many failed attempts; retry after 42 s");
    InternalError => 500, "Internal Server Error",
        example("internal_error", "Something went wrong on our side; quote the support id");
}

/// Create an API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyPlainRequest {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S+", example = "deploy-bot")]
    pub name: String,
}

/// A key. Its plaintext is returned by create only.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlainApiKey {
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    pub name: String,
    /// The start of the key, safe to display.
    #[schema(example = "sk_live_3yQm2B")]
    pub key_prefix: String,
    /// `active`, `expired` or `revoked`.
    #[schema(example = "active")]
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl PlainApiKey {
    pub fn new(key: &ApiKey) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.label.as_str().to_owned(),
            key_prefix: key.key_prefix.clone(),
            status: status_now(key).as_str().to_owned(),
            created_at: rfc3339(key.created_at),
            last_used_at: key.usage.last_used_at.map(rfc3339),
            revoked_at: key.revoked_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPlainApiKey {
    #[serde(flatten)]
    pub api_key: PlainApiKey,
    /// The plaintext key, shown this once.
    #[schema(example = "sk_live_3yQm…")]
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlainApiKeyList {
    pub data: Vec<PlainApiKey>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListPlainParams {
    /// Page size, 1–100 (default 20).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let problem = if name.chars().count() > NAME_MAX_CHARS {
        format!("must be at most {NAME_MAX_CHARS} characters")
    } else if name.trim().is_empty() {
        "must contain a non-whitespace character".to_owned()
    } else {
        return Ok(());
    };
    Err(ApiError::Validation(ValidationErrors::single("name", problem)))
}

/// Create a new API key
///
/// A key with no scopes: it authenticates and verifies, and grants nothing
/// else. Requires `api_keys.create`.
#[utoipa::path(
    post,
    path = "/api-keys",
    tag = TAG,
    request_body(content = CreateApiKeyPlainRequest, description = "Create an API key"),
    responses(
        (status = 201, description = "The key and its plaintext", body = CreatedPlainApiKey,
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        InvalidInput,
        InvalidToken,
        RateLimited,
        PermissionDenied,
        InternalError,
    ),
    security(("bearerAuth" = []))
)]
pub async fn create(
    services: web::Data<Services>,
    caller: Shaped<Plain, Authenticated>,
    body: Shaped<Plain, JsonBody<CreateApiKeyPlainRequest>>,
) -> Result<HttpResponse, Error> {
    let caller = caller.0;
    let request = body.0.parse()?;
    check_name(&request.name)?;
    let command = CreateApiKeyCommand { label: Some(request.name), request_ip: caller.ip, ..Default::default() };
    let created = services.create_api_key.execute(&caller.principal, command).await?;
    Ok(HttpResponse::Created()
        .json(CreatedPlainApiKey { api_key: PlainApiKey::new(&created.key), key: created.token.expose() }))
}

/// List API keys
#[utoipa::path(
    get,
    path = "/api-keys",
    tag = TAG,
    params(ListPlainParams),
    responses(
        (status = 200, description = "One page of keys, newest first", body = PlainApiKeyList,
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        InvalidInput,
        InvalidToken,
        RateLimited,
        PermissionDenied,
        InternalError,
    ),
    security(("bearerAuth" = []))
)]
pub async fn list(
    services: web::Data<Services>,
    caller: Shaped<Plain, Authenticated>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let params: ListPlainParams = query(&req)?;
    let query = ListApiKeysQuery { limit: params.limit, cursor: params.cursor, ..Default::default() };
    let page = services.list_api_keys.execute(&caller.0.principal, query).await?;
    Ok(HttpResponse::Ok().json(PlainApiKeyList {
        data: page.items.iter().map(PlainApiKey::new).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Get an API key
#[utoipa::path(
    get,
    path = "/api-keys/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "`api_key_<uuid>`")),
    responses(
        (status = 200, description = "The key", body = PlainApiKey,
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        InvalidToken,
        RateLimited,
        PermissionDenied,
        NoSuchKey,
        InternalError,
    ),
    security(("bearerAuth" = []))
)]
pub async fn get(
    services: web::Data<Services>,
    caller: Shaped<Plain, Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let key = services.get_api_key.execute(&caller.0.principal, &id).await?;
    Ok(HttpResponse::Ok().json(PlainApiKey::new(&key)))
}

/// Delete (revoke) an API key
///
/// The key stops working at once. Idempotent. Requires `api_keys.delete`.
#[utoipa::path(
    delete,
    path = "/api-keys/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "`api_key_<uuid>`")),
    responses(
        (status = 204, description = "Revoked",
            headers(("X-Request-Id" = String, description = "ID uniquely identifying the request/response cycle."))),
        InvalidToken,
        RateLimited,
        PermissionDenied,
        NoSuchKey,
        InternalError,
    ),
    security(("bearerAuth" = []))
)]
pub async fn revoke(
    services: web::Data<Services>,
    caller: Shaped<Plain, Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let caller = caller.0;
    services.revoke_api_key.execute(&caller.principal, &id, caller.ip).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_101_characters_breaks_seed_003s_limit() {
        assert!(check_name(&"a".repeat(100)).is_ok());
        assert!(check_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn a_name_of_only_whitespace_does_not_match_the_pattern() {
        assert!(check_name(" \t").is_err());
    }
}
