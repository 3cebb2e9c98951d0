//! `/developers/organizations`: tenants and their onboarding.

use actix_web::{get, patch, post, web, HttpResponse};

use crate::dialects::native::errors::{InvalidOrganizationId, Native};
use crate::dialects::native::schemas::{
    CreatedApiKeyData, CreatedOrganizationData, Envelope, OrganizationData, OrganizationRequest,
};
use crate::error_case::{
    BlankName, Internal, LacksOrganizationsCreate, LacksOrganizationsDeactivate, LacksOrganizationsRead,
    LacksOrganizationsUpdate, LargeBody, OrganizationDeactivated, OrganizationNotFound, OwnOrganization, SlowBody,
    TooManyRequests, Unauthenticated, UnreadableBody,
};
use crate::error_docs::Errors;
use crate::{ApiError, Authenticated, JsonBody};

pub const TAG: &str = "Organizations";

fn respond(status: u16, message: &'static str, data: OrganizationData) -> HttpResponse {
    HttpResponse::Ok().json(Envelope::new(status, message, data))
}

/// Create an organization
///
/// Onboards a tenant in one call: the organization and its first key, which
/// holds the caller's own scopes in the caller's environment; its secret is
/// shown this once. The caller's organization becomes the parent and may
/// read, rename and deactivate it. Requires `organizations.create`.
#[utoipa::path(
    request_body(content = OrganizationRequest, example = json!({"name": "Acme Corp"})),
    responses((status = 201, description = "The organization and its first key", body = Envelope<CreatedOrganizationData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksOrganizationsCreate, BlankName, Internal)>),
)]
#[post("/developers/organizations")]
pub async fn create_organization(
    caller: Authenticated,
    body: JsonBody<OrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = caller.services.create_organization.execute(&caller.principal, &body.parse()?.name).await?;
    let data = CreatedOrganizationData {
        organization: OrganizationData::new(&created.organization),
        api_key: CreatedApiKeyData::new(&created.key, created.token.expose()),
    };
    Ok(HttpResponse::Created().json(Envelope::new(201, "Resource created successfully", data)))
}

/// Retrieve an organization
///
/// The caller's own organization or one it created. Requires `organizations.read`.
#[utoipa::path(
    params(("id" = String, Path, description = "`org_<uuid>`", pattern = "^org_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses((status = 200, description = "The organization", body = Envelope<OrganizationData>), Errors<Native, (Unauthenticated, TooManyRequests, LacksOrganizationsRead, OrganizationNotFound, InvalidOrganizationId, Internal)>),
)]
#[get("/developers/organizations/{id}")]
pub async fn get_organization(caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let org = caller.services.get_organization.execute(&caller.principal, &id).await?;
    Ok(respond(200, "Resource retrieved successfully", OrganizationData::new(&org)))
}

/// Rename an organization
///
/// Requires `organizations.update`.
#[utoipa::path(
    params(("id" = String, Path, description = "`org_<uuid>`", pattern = "^org_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    request_body(content = OrganizationRequest, example = json!({"name": "Acme Corporation"})),
    responses((status = 200, description = "The organization", body = Envelope<OrganizationData>), Errors<Native, (UnreadableBody, Unauthenticated, SlowBody, LargeBody, TooManyRequests, LacksOrganizationsUpdate, OrganizationNotFound, OrganizationDeactivated, BlankName, Internal)>),
)]
#[patch("/developers/organizations/{id}")]
pub async fn update_organization(
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<OrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    let org = caller.services.update_organization.execute(&caller.principal, &id, &body.parse()?.name).await?;
    Ok(respond(200, "Resource updated successfully", OrganizationData::new(&org)))
}

/// Deactivate an organization
///
/// Every key of the organization stops authenticating and verifying at
/// once. Only an organization the caller created; a key cannot deactivate
/// its own (409). Deactivating twice is not an error. Requires
/// `organizations.deactivate`.
#[utoipa::path(
    params(("id" = String, Path, description = "`org_<uuid>`", pattern = "^org_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses((status = 200, description = "The deactivated organization", body = Envelope<OrganizationData>), Errors<Native, (Unauthenticated, TooManyRequests, LacksOrganizationsDeactivate, OrganizationNotFound, OwnOrganization, InvalidOrganizationId, Internal)>),
)]
#[post("/developers/organizations/{id}/deactivate")]
pub async fn deactivate_organization(caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let org = caller.services.deactivate_organization.execute(&caller.principal, &id).await?;
    Ok(respond(200, "Resource deactivated successfully", OrganizationData::new(&org)))
}
