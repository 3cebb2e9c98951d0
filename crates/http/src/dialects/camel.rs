//! Seed 001's dialect: `/v1/api-keys`, camelCase, `{code, data, message,
//! requestId}`. A key's access is one coarse `scope`, `read` or
//! `read-write`, mapped onto Sesame's scopes (see docs/dialects.md).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sesame_application::{CreateApiKeyCommand, ListApiKeysQuery, ValidationErrors};
use sesame_domain::{ApiKey, Scope};
use utoipa::{IntoParams, ToSchema};

use super::user_id;
use crate::error_shape::{describe, query, DialectError, ErrorShape, Shaped};
use crate::time_format::{rfc3339, rfc3339_opt};
use crate::{request_id, time_format, ApiError, Authenticated, JsonBody, Services};

pub const TAG: &str = "v1 camelCase (seed 001)";

/// Seed 001's error body: the success envelope with `data` null and the
/// problem in `message`.
pub struct Camel;

impl ErrorShape for Camel {
    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            "expires_at" => "expiresAt",
            "scopes" => "scope",
            "service_account_id" => "serviceAccountId",
            other => other,
        }
    }

    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        serde_json::json!({
            "code": status.as_u16(),
            "data": null,
            "message": describe(error, fields.as_ref()),
            "requestId": current_request_id(),
        })
    }
}

type Error = DialectError<Camel>;

fn current_request_id() -> String {
    request_id::current().map(|c| c.request_id).unwrap_or_default()
}

/// `{code, data, message, requestId}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1Envelope<T: ToSchema> {
    #[schema(example = 200)]
    pub code: u16,
    pub data: T,
    #[schema(example = "success")]
    pub message: &'static str,
    #[schema(example = "abc-123")]
    pub request_id: String,
}

/// Seed 001's error: `code` is the HTTP status, `data` null, `message` names
/// each bad field and its problem.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1Error {
    #[schema(example = 400)]
    pub code: u16,
    #[schema(value_type = Option<Object>)]
    pub data: Option<()>,
    #[schema(example = "name: is required")]
    pub message: String,
    #[schema(example = "abc-123")]
    pub request_id: String,
}

fn ok<T: ToSchema + Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(V1Envelope { code: 200, data, message: "success", request_id: current_request_id() })
}

/// The coarse access levels and the scopes each stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum AccessLevel {
    /// Every read-only scope outside key and organization management.
    #[serde(rename = "read")]
    Read,
    /// Every scope outside key and organization management.
    #[serde(rename = "read-write")]
    ReadWrite,
}

impl AccessLevel {
    pub fn scopes(self) -> Vec<String> {
        Scope::ALL
            .iter()
            .filter(|s| !s.is_management() && (self == AccessLevel::ReadWrite || s.is_read_only()))
            .map(|s| s.as_str().to_owned())
            .collect()
    }

    /// A key holding any scope that writes is `read-write`.
    pub fn of(key: &ApiKey) -> Self {
        if key.scopes.iter().all(Scope::is_read_only) {
            AccessLevel::Read
        } else {
            AccessLevel::ReadWrite
        }
    }
}

/// Request body of seed 001's create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateApiKeyV1Request {
    /// The key's name, 1–255 characters.
    #[schema(example = "CI deploy key")]
    pub name: String,
    pub description: Option<String>,
    /// RFC 3339 (or `2025-06-29 16:03:44`, UTC); must be in the future.
    #[schema(format = DateTime, example = "2027-01-01T00:00:00Z")]
    pub expires_at: Option<String>,
    /// `read` (default) or `read-write`.
    #[schema(value_type = Option<AccessLevel>)]
    pub scope: Option<String>,
    /// `svc_…`: the service account the key belongs to.
    #[schema(example = "svc_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub service_account_id: Option<String>,
}

/// A key in seed 001's shape. Times are RFC 3339; absent values are null.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyV1 {
    pub created_at: String,
    /// The key or access token that issued this key.
    pub created_by: String,
    pub description: String,
    pub expires_at: Option<String>,
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "sk_live_3yQm2B")]
    pub key_prefix: String,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    pub last_used_user_agent: Option<String>,
    pub name: String,
    pub organization_id: String,
    pub revoked_at: Option<String>,
    pub scope: AccessLevel,
    pub service_account_id: Option<String>,
    /// The subject of the access token that issued the key, when a person's
    /// token did; null for keys issued by keys.
    pub user_id: Option<String>,
}

impl ApiKeyV1 {
    pub fn new(key: &ApiKey) -> Self {
        Self {
            created_at: rfc3339(key.created_at),
            created_by: key.created_by.clone(),
            description: key.description.as_str().to_owned(),
            expires_at: rfc3339_opt(key.expires_at.map(|e| e.at())),
            id: key.id.to_string(),
            key_prefix: key.key_prefix.clone(),
            last_used_at: rfc3339_opt(key.usage.last_used_at),
            last_used_ip: key.usage.last_used_ip.clone(),
            last_used_user_agent: key.usage.last_used_user_agent.clone(),
            name: key.label.as_str().to_owned(),
            organization_id: key.organization_id.to_string(),
            revoked_at: rfc3339_opt(key.revoked_at),
            scope: AccessLevel::of(key),
            service_account_id: key.service_account_id.map(|id| id.to_string()),
            user_id: user_id(key),
        }
    }
}

/// A new key with its plaintext, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyV1 {
    #[serde(flatten)]
    pub api_key: ApiKeyV1,
    /// Key is the full plaintext API key, shown only once. Store it securely.
    #[schema(example = "sk_live_3yQm…")]
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyV1Page {
    pub items: Vec<ApiKeyV1>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListV1Params {
    /// Page size, 1–100 (default 20).
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Only the keys of this service account.
    pub service_account_id: Option<String>,
}

fn parse_level(raw: Option<&str>) -> Result<AccessLevel, ApiError> {
    match raw {
        None | Some("read") => Ok(AccessLevel::Read),
        Some("read-write") => Ok(AccessLevel::ReadWrite),
        Some(_) => Err(ApiError::Validation(ValidationErrors::single("scope", "must be `read` or `read-write`"))),
    }
}

/// Create a new API key for the current organization
///
/// `scope` `read` (the default) grants every read-only scope outside key and
/// organization management; `read-write` every scope outside them. The
/// caller must hold them all. `key` is the plaintext, shown only once.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = TAG,
    request_body(content = CreateApiKeyV1Request, description = "API key details"),
    responses(
        (status = 200, description = "OK", body = V1Envelope<CreatedApiKeyV1>),
        (status = 400, description = "Bad Request: unreadable body, or a field breaks the rules", body = V1Error),
        (status = 401, description = "Missing, unknown, expired or revoked key", body = V1Error),
        (status = 403, description = "The key lacks `api_keys.create` or a scope it would grant", body = V1Error),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = V1Error),
        (status = 500, description = "Unexpected failure", body = V1Error),
    ),
    security(("bearerAuth" = []))
)]
pub async fn create(
    services: web::Data<Services>,
    caller: Shaped<Camel, Authenticated>,
    body: Shaped<Camel, JsonBody<CreateApiKeyV1Request>>,
) -> Result<HttpResponse, Error> {
    let caller = caller.0;
    let request = body.0.parse()?;
    let level = parse_level(request.scope.as_deref())?;
    let command = CreateApiKeyCommand {
        label: Some(request.name),
        description: request.description,
        scopes: level.scopes(),
        expires_at: request.expires_at.as_deref().map(time_format::parse_input),
        service_account_id: request.service_account_id,
        request_ip: caller.ip,
        ..Default::default()
    };
    let created = services.create_api_key.execute(&caller.principal, command).await?;
    Ok(ok(CreatedApiKeyV1 { api_key: ApiKeyV1::new(&created.key), key: created.token.expose() }))
}

/// List API keys
///
/// The caller's organization's keys, newest first. Requires `api_keys.read`.
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = TAG,
    params(ListV1Params),
    responses(
        (status = 200, description = "OK", body = V1Envelope<ApiKeyV1Page>),
        (status = 400, description = "Bad limit, cursor or serviceAccountId", body = V1Error),
        (status = 401, description = "Missing, unknown, expired or revoked key", body = V1Error),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = V1Error),
        (status = 403, description = "The key lacks `api_keys.read`", body = V1Error),
        (status = 500, description = "Unexpected failure", body = V1Error),
    ),
    security(("bearerAuth" = []))
)]
pub async fn list(
    services: web::Data<Services>,
    caller: Shaped<Camel, Authenticated>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let params: ListV1Params = query(&req)?;
    let query = ListApiKeysQuery {
        limit: params.limit,
        cursor: params.cursor,
        service_account_id: params.service_account_id,
        ..Default::default()
    };
    let page = services.list_api_keys.execute(&caller.0.principal, query).await?;
    Ok(ok(ApiKeyV1Page { items: page.items.iter().map(ApiKeyV1::new).collect(), next_cursor: page.next_cursor }))
}

/// Get an API key
#[utoipa::path(
    get,
    path = "/v1/api-keys/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "`api_key_<uuid>`")),
    responses(
        (status = 200, description = "OK", body = V1Envelope<ApiKeyV1>),
        (status = 401, description = "Missing, unknown, expired or revoked key", body = V1Error),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = V1Error),
        (status = 403, description = "The key lacks `api_keys.read`", body = V1Error),
        (status = 404, description = "No such key in this organization", body = V1Error),
        (status = 500, description = "Unexpected failure", body = V1Error),
    ),
    security(("bearerAuth" = []))
)]
pub async fn get(
    services: web::Data<Services>,
    caller: Shaped<Camel, Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let key = services.get_api_key.execute(&caller.0.principal, &id).await?;
    Ok(ok(ApiKeyV1::new(&key)))
}

/// Revoke an API key
///
/// The key stops working at once and stays readable with `revokedAt` set.
/// Requires `api_keys.delete`.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "`api_key_<uuid>`")),
    responses(
        (status = 200, description = "OK: the revoked key", body = V1Envelope<ApiKeyV1>),
        (status = 401, description = "Missing, unknown, expired or revoked key", body = V1Error),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = V1Error),
        (status = 403, description = "The key lacks `api_keys.delete` or a scope the target holds", body = V1Error),
        (status = 404, description = "No such key in this organization", body = V1Error),
        (status = 500, description = "Unexpected failure", body = V1Error),
    ),
    security(("bearerAuth" = []))
)]
pub async fn revoke(
    services: web::Data<Services>,
    caller: Shaped<Camel, Authenticated>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let caller = caller.0;
    let key = services.revoke_api_key.execute(&caller.principal, &id, caller.ip).await?;
    Ok(ok(ApiKeyV1::new(&key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_grants_only_read_only_scopes_outside_management() {
        let scopes = AccessLevel::Read.scopes();
        assert!(scopes.contains(&"products.read".to_owned()));
        assert!(!scopes.contains(&"products.create".to_owned()));
        assert!(!scopes.iter().any(|s| s.starts_with("api_keys.") || s.starts_with("organizations.")));
    }

    #[test]
    fn read_write_is_a_superset_of_read_without_management() {
        let (read, write) = (AccessLevel::Read.scopes(), AccessLevel::ReadWrite.scopes());
        assert!(read.iter().all(|s| write.contains(s)));
        assert!(write.contains(&"products.delete".to_owned()));
        assert!(!write.contains(&"api_keys.create".to_owned()));
    }
}
