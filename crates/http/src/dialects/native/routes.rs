//! What the native API serves, and its part of the OpenAPI document.

use actix_web::web;
use utoipa::OpenApi;

use super::errors::ErrorEnvelope;
use super::handlers::{api_keys, audit_events, organizations, service_accounts};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `verify` before `{id}` routes: a literal segment must win over a pattern.
    cfg.service(api_keys::verify_api_key)
        .service(api_keys::create_api_key)
        .service(api_keys::list_api_keys)
        .service(api_keys::get_api_key)
        .service(api_keys::update_api_key)
        .service(api_keys::rotate_api_key)
        .service(api_keys::revoke_api_key)
        .service(organizations::create_organization)
        .service(organizations::get_organization)
        .service(organizations::update_organization)
        .service(organizations::deactivate_organization)
        .service(audit_events::list_audit_events)
        .service(service_accounts::create_service_account)
        .service(service_accounts::list_service_accounts)
        .service(service_accounts::get_service_account)
        .service(service_accounts::delete_service_account);
}

#[derive(OpenApi)]
#[openapi(
    paths(
        api_keys::create_api_key,
        api_keys::list_api_keys,
        api_keys::get_api_key,
        api_keys::update_api_key,
        api_keys::rotate_api_key,
        api_keys::revoke_api_key,
        api_keys::verify_api_key,
        organizations::create_organization,
        organizations::get_organization,
        organizations::update_organization,
        organizations::deactivate_organization,
        audit_events::list_audit_events,
        service_accounts::create_service_account,
        service_accounts::list_service_accounts,
        service_accounts::get_service_account,
        service_accounts::delete_service_account,
    ),
    components(schemas(ErrorEnvelope)),
    tags(
        (name = api_keys::TAG, description = "Sesame's own API (`/developers/…`): start here, unless your client already speaks one of the API styles below"),
        (name = organizations::TAG, description = "Organizations (tenants) and onboarding"),
        (name = audit_events::TAG, description = "The audit trail of every change"),
        (name = service_accounts::TAG, description = "Named non-human principals that keys belong to"),
    )
)]
pub struct NativeApi;
