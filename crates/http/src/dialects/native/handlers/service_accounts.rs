//! `/developers/service_accounts`: named non-human principals that keys
//! belong to. Managed with the `api_keys.*` scopes.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use sesame_application::api_keys::Change;
use sesame_application::service_accounts::{CreateServiceAccountCommand, UpdateServiceAccountLimitsCommand};

use crate::dialects::native::errors::Native;
use crate::dialects::native::schemas::{
    rate_limits_input, DeletedServiceAccountData, Envelope, ServiceAccountData, ServiceAccountPage,
    ServiceAccountRequest, UpdateServiceAccountLimitsRequest,
};
use crate::error_case::{
    BlankName, Conflict, Forbidden, Internal, InvalidBody, InvalidQuery, LacksApiKeysDelete, LacksApiKeysRead,
    LacksApiKeysUpdate, LargeBody, ServiceAccountKeysElsewhere, ServiceAccountNotFound, SlowBody, TooManyRequests,
    Unauthenticated, UnreadableBody, UnreadableQuery,
};
use crate::error_docs::Errors;
use crate::{ApiError, Authenticated, JsonBody, PageParams};

pub const TAG: &str = "Service accounts";

/// Create a service account
///
/// Keys created with its `service_account_id` belong to it. Its
/// `rate_limits` and `credits` are shared by all its keys, on top of each
/// key's own. Requires `api_keys.create`.
#[utoipa::path(
    request_body(content = ServiceAccountRequest, example = json!({"name": "billing-worker", "description": "Charges invoices every night", "rate_limits": [{"name": "default", "limit": 1000, "duration_seconds": 60}], "credits": {"remaining": 100000, "refill": {"amount": 100000, "interval": "monthly", "refill_day": 1}}})),
    responses((status = 201, description = "The service account", body = Envelope<ServiceAccountData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, Forbidden, BlankName, Internal)>),
)]
#[post("/developers/service_accounts")]
pub async fn create_service_account(
    caller: Authenticated,
    body: JsonBody<ServiceAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = CreateServiceAccountCommand {
        name: Some(request.name),
        description: request.description,
        rate_limits: rate_limits_input(request.rate_limits),
        credits: request.credits.map(Into::into),
    };
    let account = caller.services.create_service_account.execute(&caller.principal, command).await?;
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
    params(PageParams),
    responses((status = 200, description = "One page", body = Envelope<ServiceAccountPage>), Errors<Native, (UnreadableQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, InvalidQuery, Internal)>),
)]
#[get("/developers/service_accounts")]
pub async fn list_service_accounts(
    caller: Authenticated,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = caller.services.list_service_accounts.execute(&caller.principal, &params.into_inner().into()).await?;
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
    params(("id" = String, Path, description = "`svc_<uuid>`", pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses((status = 200, description = "The service account", body = Envelope<ServiceAccountData>), Errors<Native, (Unauthenticated, TooManyRequests, LacksApiKeysRead, ServiceAccountNotFound, Internal)>),
)]
#[get("/developers/service_accounts/{id}")]
pub async fn get_service_account(caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let account = caller.services.get_service_account.execute(&caller.principal, &id).await?;
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
    params(("id" = String, Path, description = "`svc_<uuid>`", pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses((status = 200, description = "The deleted service account", body = Envelope<DeletedServiceAccountData>), Errors<Native, (Unauthenticated, TooManyRequests, LacksApiKeysDelete, ServiceAccountNotFound, ServiceAccountKeysElsewhere, Internal)>),
)]
#[delete("/developers/service_accounts/{id}")]
pub async fn delete_service_account(caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let deleted = caller.services.delete_service_account.execute(&caller.principal, &id).await?;
    let data = DeletedServiceAccountData {
        account: ServiceAccountData::new(&deleted.account),
        revoked_key_ids: deleted.revoked_keys.iter().map(|k| k.id.to_string()).collect(),
    };
    Ok(HttpResponse::Ok().json(Envelope::new(200, "Resource deleted successfully", data)))
}

/// Change a service account's limits
///
/// Replaces the rate limits (`[]` removes them) or the credits (an object
/// sets the balance and starts a new refill period; null removes them) that
/// all the account's keys share. Takes effect at once on every instance.
/// Requires `api_keys.update`.
#[utoipa::path(
    params(("id" = String, Path, description = "`svc_<uuid>`", pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body(content = UpdateServiceAccountLimitsRequest, example = json!({"rate_limits": [{"name": "per-minute", "limit": 1000, "duration_seconds": 60}], "credits": {"remaining": 100000, "refill": {"amount": 100000, "interval": "monthly", "refill_day": 1}}})),
    responses((status = 200, description = "The service account", body = Envelope<ServiceAccountData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksApiKeysUpdate, ServiceAccountNotFound, Conflict, InvalidBody, Internal)>),
)]
#[patch("/developers/service_accounts/{id}")]
pub async fn update_service_account_limits(
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<UpdateServiceAccountLimitsRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = UpdateServiceAccountLimitsCommand {
        rate_limits: rate_limits_input(request.rate_limits),
        credits: match request.credits {
            None => Change::Keep,
            Some(None) => Change::Clear,
            Some(Some(credits)) => Change::Set(credits.into()),
        },
    };
    let account = caller.services.update_service_account_limits.execute(&caller.principal, &id, command).await?;
    Ok(HttpResponse::Ok().json(Envelope::new(200, "Resource updated successfully", ServiceAccountData::new(&account))))
}
