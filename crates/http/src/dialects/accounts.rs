//! Seed 004's dialect: `/v1/api-keys/?account_id=…`, `{message, success,
//! data}`, permissions as `{resource: [actions]}` maps and
//! `account:<resource>:<action>` strings. Accepts Sesame keys (`sk_…`,
//! `pk_…`, `_test_` in the test environment) and, when a provider is
//! configured, JWT access tokens.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::LazyLock;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sesame_application::{CreateApiKeyCommand, ListApiKeysQuery, OrganizationError, ValidationErrors};
use sesame_domain::ports::looks_like_jwt;
use sesame_domain::{ApiKey, ApiKeyStatus, KeyKind, Principal, Scope, ScopeSet};
use utoipa::{IntoParams, ToSchema};

use crate::authenticated::BearerRequest;
use crate::error_shape::{describe, query, DialectError, ErrorShape, Shaped};
use crate::key_status::status_now;
use crate::time_format::{rfc3339, rfc3339_opt};
use crate::{time_format, ApiError, JsonBody, Services};

pub const TAG: &str = "Accounts v1 (seed 004)";

/// `account:<resource>:<action>`: each word of Sesame's resource in the
/// singular, joined by `:` (`api_keys.create` → `account:api:key:create`).
pub fn permission_resource(scope: Scope) -> String {
    let words: Vec<&str> =
        scope.resource().split(['.', '_']).map(|word| word.strip_suffix('s').unwrap_or(word)).collect();
    format!("account:{}", words.join(":"))
}

pub fn permission(scope: Scope) -> String {
    format!("{}:{}", permission_resource(scope), scope.action())
}

/// Resource name (either form) and action → scope.
static PERMISSIONS: LazyLock<BTreeMap<(String, &'static str), Scope>> = LazyLock::new(|| {
    Scope::ALL
        .iter()
        .flat_map(|&scope| {
            [
                ((permission_resource(scope), scope.action()), scope),
                ((scope.resource().to_owned(), scope.action()), scope),
            ]
        })
        .collect()
});

/// `{resource: [actions]}` → scope names; each unknown pair is named.
fn scopes_of(permissions: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, ApiError> {
    let mut errors = ValidationErrors::new();
    let mut scopes = Vec::new();
    for (resource, actions) in permissions {
        for action in actions {
            match PERMISSIONS.get(&(resource.clone(), action.as_str())) {
                Some(scope) => scopes.push(scope.as_str().to_owned()),
                None => {
                    errors.add(format!("permissions.{resource}"), format!("unknown permission `{resource}:{action}`"))
                }
            }
        }
    }
    errors.into_result().map(|()| scopes).map_err(ApiError::Validation)
}

/// A key's scopes as `{account:resource: [actions]}`.
fn permissions_of(scopes: &ScopeSet) -> BTreeMap<String, Vec<&'static str>> {
    let mut map: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for scope in scopes.iter() {
        map.entry(permission_resource(scope)).or_default().push(scope.action());
    }
    map
}

pub struct Accounts;

impl ErrorShape for Accounts {
    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            "scopes" => "permissions",
            other => other,
        }
    }

    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        let mut message = describe(error, fields.as_ref());
        // Name the permissions this dialect's clients know, not Sesame's scopes.
        if message.contains("scope") {
            for &scope in Scope::ALL {
                let native = format!("`{scope}`");
                if message.contains(&native) {
                    message = message.replace(&native, &format!("`{}`", permission(scope)));
                }
            }
            message = message.replace("scopes", "permissions").replace("scope", "permission");
        }
        serde_json::json!({
            "message": status.canonical_reason().unwrap_or("error"),
            "success": false,
            "error": { "code": status.as_u16(), "message": message, "details": fields.unwrap_or_default() },
        })
    }
}

type Error = DialectError<Accounts>;

/// `{message, success: true, data}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsEnvelope<T: ToSchema> {
    #[schema(example = "success")]
    pub message: &'static str,
    #[schema(example = true)]
    pub success: bool,
    pub data: T,
}

fn success<T: ToSchema + Serialize>(status: StatusCode, data: T) -> HttpResponse {
    HttpResponse::build(status).json(AccountsEnvelope { message: "success", success: true, data })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsErrorDetail {
    /// The HTTP status.
    #[schema(example = 403)]
    pub code: u16,
    #[schema(example = "this key lacks the `account:api:key:create` permission")]
    pub message: String,
    /// Each bad field and its problem; empty otherwise.
    #[schema(value_type = Object)]
    pub details: BTreeMap<String, String>,
}

/// `{message, success: false, error: {code, message, details}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsError {
    #[schema(example = "Forbidden")]
    pub message: String,
    #[schema(example = false)]
    pub success: bool,
    pub error: AccountsErrorDetail,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountParams {
    /// Account that owns the keys: the caller's organization (`org_…`), or
    /// one it created (which takes `account:organization:read`).
    pub account_id: String,
    /// Page size, 1–100 (default 20); list only.
    #[param(required = false)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page; list only.
    #[param(required = false)]
    pub cursor: Option<String>,
}

/// Defines display name, permission map, optional expiry, and metadata.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountApiKeyRequest {
    #[schema(example = "Production server")]
    pub name: String,
    /// `{resource: [actions]}`; resources as `account:product` or `products`.
    #[schema(example = json!({"account:product": ["read", "create"]}))]
    pub permissions: Option<BTreeMap<String, Vec<String>>>,
    /// RFC 3339 (or `2025-06-29 16:03:44`, UTC); must be in the future.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// A key in seed 004's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountApiKey {
    #[schema(example = "api_key")]
    pub object: &'static str,
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub account_id: String,
    pub name: String,
    /// `SECRET` or `PUBLISHABLE`.
    #[serde(rename = "type")]
    #[schema(example = "SECRET")]
    pub kind: &'static str,
    /// The plaintext on create; afterwards the redacted prefix (`sk_live_3yQm2B****`).
    pub key: String,
    pub last_used_ip: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    #[schema(example = json!({"account:product": ["read"]}))]
    pub permissions: BTreeMap<String, Vec<&'static str>>,
    /// `ACTIVE`, `EXPIRED` or `REVOKED`.
    #[schema(example = "ACTIVE")]
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// Issued by Sesame itself (the bootstrap), not through the API.
    pub managed: bool,
    /// Revoked.
    pub deleted: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

impl AccountApiKey {
    fn new(key: &ApiKey, plaintext: Option<String>) -> Self {
        Self {
            object: "api_key",
            id: key.id.to_string(),
            account_id: key.organization_id.to_string(),
            name: key.label.as_str().to_owned(),
            kind: match key.kind {
                KeyKind::Secret => "SECRET",
                KeyKind::Publishable => "PUBLISHABLE",
            },
            key: plaintext.unwrap_or_else(|| format!("{}****", key.key_prefix)),
            last_used_ip: key.usage.last_used_ip.clone(),
            metadata: key.metadata.to_value(),
            permissions: permissions_of(&key.scopes),
            status: match status_now(key) {
                ApiKeyStatus::Active => "ACTIVE",
                ApiKeyStatus::Expired => "EXPIRED",
                ApiKeyStatus::Revoked => "REVOKED",
            },
            last_used_at: rfc3339_opt(key.usage.last_used_at),
            expires_at: rfc3339_opt(key.expires_at.map(|e| e.at())),
            managed: key.created_by.starts_with("system:"),
            deleted: key.revoked_at.is_some(),
            created_at: rfc3339(key.created_at),
            updated_at: rfc3339_opt(key.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountApiKeyList {
    #[schema(example = "list")]
    pub object: &'static str,
    pub data: Vec<AccountApiKey>,
    pub has_more: bool,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Whoever the bearer token stands for: a Sesame key, or a JWT access token
/// when a provider is configured.
pub struct AccountCaller {
    pub principal: Principal,
    pub ip: Option<IpAddr>,
}

impl FromRequest for AccountCaller {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut request = BearerRequest::of(req);
        Box::pin(async move {
            let (services, token) = request.open()?;
            let principal = if looks_like_jwt(&token) {
                services.authenticate_access_token.execute(&token).await.map_err(ApiError::from)?
            } else {
                request.key(&services, &token).await?.principal()
            };
            Ok(AccountCaller { principal, ip: request.ip })
        })
    }
}

/// The query, and the principal to act as in its `account_id`: the caller
/// itself in its own organization, or in one it created (with
/// `organizations.read`). Any other account is not found, so ids of other
/// tenants reveal nothing.
async fn in_account(
    services: &Services,
    caller: &AccountCaller,
    req: &HttpRequest,
) -> Result<(Principal, AccountParams), ApiError> {
    let params: AccountParams = query(req)?;
    let principal =
        services.act_in_organization.execute(&caller.principal, &params.account_id).await.map_err(|err| match err {
            OrganizationError::NotFound => ApiError::NotFound("no such account".to_owned()),
            other => other.into(),
        })?;
    Ok((principal, params))
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
    tag = TAG,
    params(("account_id" = String, Query, description = "Account that will own the new API key.")),
    request_body(content = CreateAccountApiKeyRequest, description = "Defines display name, permission map, optional expiry, and metadata. The raw secret is returned once in the response."),
    responses(
        (status = 201, description = "Created", body = AccountsEnvelope<AccountApiKey>),
        (status = 400, description = "Invalid body or permission", body = AccountsError),
        (status = 401, description = "Missing, invalid or expired key or access token", body = AccountsError),
        (status = 403, description = "Missing `account:api:key:create`, or a permission the caller lacks", body = AccountsError),
        (status = 404, description = "`account_id` is neither the caller's account nor one it created", body = AccountsError),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = AccountsError),
        (status = 500, description = "Unexpected failure", body = AccountsError),
    ),
    security(("bearerAuth" = []))
)]
pub async fn create(
    services: web::Data<Services>,
    caller: AccountCaller,
    req: HttpRequest,
    body: Shaped<Accounts, JsonBody<CreateAccountApiKeyRequest>>,
) -> Result<HttpResponse, Error> {
    let (principal, _) = in_account(&services, &caller, &req).await?;
    let request = body.0.parse()?;
    let scopes = scopes_of(&request.permissions.unwrap_or_default())?;
    let command = CreateApiKeyCommand {
        label: Some(request.name),
        scopes,
        expires_at: request.expires_at.as_deref().map(time_format::parse_input),
        metadata: request.metadata,
        request_ip: caller.ip,
        ..Default::default()
    };
    let created = services.create_api_key.execute(&principal, command).await?;
    Ok(success(StatusCode::CREATED, AccountApiKey::new(&created.key, Some(created.token.expose()))))
}

/// List API keys
#[utoipa::path(
    get,
    path = "/v1/api-keys/",
    tag = TAG,
    params(AccountParams),
    responses(
        (status = 200, description = "One page of keys, newest first", body = AccountsEnvelope<AccountApiKeyList>),
        (status = 400, description = "Bad limit or cursor", body = AccountsError),
        (status = 401, description = "Missing, invalid or expired key or access token", body = AccountsError),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = AccountsError),
        (status = 403, description = "Missing `account:api:key:read`", body = AccountsError),
        (status = 404, description = "`account_id` is neither the caller's account nor one it created", body = AccountsError),
        (status = 500, description = "Unexpected failure", body = AccountsError),
    ),
    security(("bearerAuth" = []))
)]
pub async fn list(
    services: web::Data<Services>,
    caller: AccountCaller,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    let (principal, params) = in_account(&services, &caller, &req).await?;
    let query = ListApiKeysQuery { limit: params.limit, cursor: params.cursor, ..Default::default() };
    let page = services.list_api_keys.execute(&principal, query).await?;
    let data = AccountApiKeyList {
        object: "list",
        data: page.items.iter().map(|k| AccountApiKey::new(k, None)).collect(),
        has_more: page.next_cursor.is_some(),
        next_cursor: page.next_cursor,
    };
    Ok(success(StatusCode::OK, data))
}

/// Retrieve an API key
#[utoipa::path(
    get,
    path = "/v1/api-keys/{id}/",
    tag = TAG,
    params(("id" = String, Path, description = "`api_key_<uuid>`"), ("account_id" = String, Query, description = "The caller's account")),
    responses(
        (status = 200, description = "The key, its secret redacted", body = AccountsEnvelope<AccountApiKey>),
        (status = 401, description = "Missing, invalid or expired key or access token", body = AccountsError),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = AccountsError),
        (status = 403, description = "Missing `account:api:key:read`", body = AccountsError),
        (status = 404, description = "No such key in this account, or an account the caller may not act in", body = AccountsError),
        (status = 500, description = "Unexpected failure", body = AccountsError),
    ),
    security(("bearerAuth" = []))
)]
pub async fn get(
    services: web::Data<Services>,
    caller: AccountCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (principal, _) = in_account(&services, &caller, &req).await?;
    let key = services.get_api_key.execute(&principal, &id).await?;
    Ok(success(StatusCode::OK, AccountApiKey::new(&key, None)))
}

/// Delete (revoke) an API key
///
/// The key stops working at once and is returned with `deleted: true`.
/// Requires `account:api:key:delete`.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}/",
    tag = TAG,
    params(("id" = String, Path, description = "`api_key_<uuid>`"), ("account_id" = String, Query, description = "The caller's account")),
    responses(
        (status = 200, description = "The revoked key", body = AccountsEnvelope<AccountApiKey>),
        (status = 401, description = "Missing, invalid or expired key or access token", body = AccountsError),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = AccountsError),
        (status = 403, description = "Missing `account:api:key:delete`", body = AccountsError),
        (status = 404, description = "No such key in this account, or an account the caller may not act in", body = AccountsError),
        (status = 500, description = "Unexpected failure", body = AccountsError),
    ),
    security(("bearerAuth" = []))
)]
pub async fn revoke(
    services: web::Data<Services>,
    caller: AccountCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (principal, _) = in_account(&services, &caller, &req).await?;
    let key = services.revoke_api_key.execute(&principal, &id, caller.ip).await?;
    Ok(success(StatusCode::OK, AccountApiKey::new(&key, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_create_permission_is_sesames_api_keys_create() {
        assert_eq!(permission(Scope::ApiKeysCreate), "account:api:key:create");
        assert_eq!(permission(Scope::UsersSessionsRead), "account:user:session:read");
    }

    #[test]
    fn every_scope_has_exactly_one_permission_string() {
        let strings: std::collections::BTreeSet<String> = Scope::ALL.iter().map(|&s| permission(s)).collect();
        assert_eq!(strings.len(), Scope::ALL.len());
    }

    #[test]
    fn permission_maps_accept_both_resource_forms_and_name_unknown_ones() {
        let map = BTreeMap::from([
            ("account:product".to_owned(), vec!["read".to_owned()]),
            ("invoices".to_owned(), vec!["create".to_owned()]),
        ]);
        assert_eq!(scopes_of(&map).unwrap(), vec!["products.read".to_owned(), "invoices.create".to_owned()]);
        let bad = BTreeMap::from([("account:product".to_owned(), vec!["fly".to_owned()])]);
        let Err(ApiError::Validation(errors)) = scopes_of(&bad) else { panic!("expected a validation error") };
        assert_eq!(errors.fields()[0].field, "permissions.account:product");
    }
}
