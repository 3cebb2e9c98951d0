//! `/developers/service_accounts`: named non-human principals that keys
//! belong to. Managed with the `api_keys.*` scopes.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use sesame_application::CreateServiceAccountCommand;
use sesame_domain::ServiceAccount;
use utoipa::{IntoParams, ToSchema};

use crate::envelope::Envelope;
use crate::error_responses::{
    BadRequest, Conflict, Forbidden, NotFound, ServerError, TooManyRequests, Unauthorized, Unprocessable,
};
use crate::{time_format, ApiError, Authenticated, JsonBody, Services};

pub const TAG: &str = "Service accounts";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountRequest {
    /// 1–255 characters.
    #[schema(max_length = 255, example = "billing-worker")]
    pub name: String,
    #[schema(example = "Charges invoices every night")]
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountData {
    #[schema(example = "svc_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub organization_id: String,
    pub name: String,
    pub description: String,
    /// The key or access token that created it.
    pub created_by: String,
    #[schema(format = "mysql-date-time")]
    pub created_at: String,
    /// Set once deleted; its keys were revoked with it.
    #[schema(format = "mysql-date-time")]
    pub deleted_at: Option<String>,
}

impl ServiceAccountData {
    pub fn new(account: &ServiceAccount) -> Self {
        Self {
            id: account.id.to_string(),
            organization_id: account.organization_id.to_string(),
            name: account.name.as_str().to_owned(),
            description: account.description.as_str().to_owned(),
            created_by: account.created_by.to_string(),
            created_at: time_format::format(account.created_at),
            deleted_at: time_format::format_opt(account.deleted_at),
        }
    }
}

/// A deleted service account and the keys revoked with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedServiceAccountData {
    #[serde(flatten)]
    pub account: ServiceAccountData,
    /// The ids of the keys this deletion revoked (none when it was already deleted).
    pub revoked_key_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountPage {
    pub items: Vec<ServiceAccountData>,
    #[schema(example = "cur_0197c0f195897990b4214b806f637b0c")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListServiceAccountsParams {
    /// Page size, 1–100 (default 20).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Create a service account
///
/// Keys created with its `service_account_id` belong to it. Requires `api_keys.create`.
#[utoipa::path(
    post,
    path = "/developers/service_accounts",
    tag = TAG,
    request_body = ServiceAccountRequest,
    responses((status = 201, description = "The service account", body = Envelope<ServiceAccountData>), BadRequest, Unauthorized, TooManyRequests, Forbidden, Unprocessable, ServerError),
    security(("bearerAuth" = []))
)]
#[post("/developers/service_accounts")]
pub async fn create_service_account(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<ServiceAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = CreateServiceAccountCommand {
        name: Some(request.name),
        description: request.description,
        request_ip: caller.ip,
    };
    let account = services.create_service_account.execute(&caller.principal, command).await?;
    Ok(HttpResponse::Created().json(Envelope::new(
        201,
        "Resource created successfully",
        ServiceAccountData::new(&account),
    )))
}

/// List service accounts
///
/// The caller's organization's, newest first. Requires `api_keys.read`.
#[utoipa::path(
    get,
    path = "/developers/service_accounts",
    tag = TAG,
    params(ListServiceAccountsParams),
    responses((status = 200, description = "One page", body = Envelope<ServiceAccountPage>), BadRequest, Unauthorized, TooManyRequests, Forbidden, Unprocessable, ServerError),
    security(("bearerAuth" = []))
)]
#[get("/developers/service_accounts")]
pub async fn list_service_accounts(
    services: web::Data<Services>,
    caller: Authenticated,
    params: web::Query<ListServiceAccountsParams>,
) -> Result<HttpResponse, ApiError> {
    let page = services
        .list_service_accounts
        .execute(&caller.principal, params.limit.as_deref(), params.cursor.as_deref())
        .await?;
    let data = ServiceAccountPage {
        items: page.items.iter().map(ServiceAccountData::new).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(HttpResponse::Ok().json(Envelope::new(200, "Resources retrieved successfully", data)))
}

/// Retrieve a service account
///
/// Requires `api_keys.read`. Its keys: `GET /developers/api_keys?service_account_id=…`.
#[utoipa::path(
    get,
    path = "/developers/service_accounts/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "`svc_<uuid>`")),
    responses((status = 200, description = "The service account", body = Envelope<ServiceAccountData>), Unauthorized, TooManyRequests, Forbidden, NotFound, ServerError),
    security(("bearerAuth" = []))
)]
#[get("/developers/service_accounts/{id}")]
pub async fn get_service_account(
    services: web::Data<Services>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = services.get_service_account.execute(&caller.principal, &id).await?;
    Ok(HttpResponse::Ok().json(Envelope::new(
        200,
        "Resource retrieved successfully",
        ServiceAccountData::new(&account),
    )))
}

/// Delete a service account
///
/// Revokes every key it still holds, at once and in one transaction, and
/// keeps the account readable with `deleted_at` set; no key may join it
/// afterwards. The caller must be able to revoke each of those keys itself:
/// keys of the other environment (409) or holding scopes the caller lacks
/// (403) stop the deletion. Deleting twice is not an error. Requires
/// `api_keys.delete`.
#[utoipa::path(
    delete,
    path = "/developers/service_accounts/{id}",
    tag = TAG,
    params(("id" = String, Path, description = "`svc_<uuid>`")),
    responses((status = 200, description = "The deleted service account", body = Envelope<DeletedServiceAccountData>), Unauthorized, TooManyRequests, Forbidden, NotFound, Conflict, ServerError),
    security(("bearerAuth" = []))
)]
#[delete("/developers/service_accounts/{id}")]
pub async fn delete_service_account(
    services: web::Data<Services>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let deleted = services.delete_service_account.execute(&caller.principal, &id, caller.ip).await?;
    let data = DeletedServiceAccountData {
        account: ServiceAccountData::new(&deleted.account),
        revoked_key_ids: deleted.revoked_keys.iter().map(|k| k.id.to_string()).collect(),
    };
    Ok(HttpResponse::Ok().json(Envelope::new(200, "Resource deleted successfully", data)))
}
