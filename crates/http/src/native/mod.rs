//! Sesame's native API: `/developers/…`, the `{status, data, …}` envelope.

mod api_key_dto;
mod audit_dto;
mod audit_events;
mod create_api_key;
mod organization_dto;
mod organizations;
mod routes;
mod service_accounts;

pub use api_key_dto::{
    ApiKeyData, ApiKeyMetrics, ApiKeyPage, CreateApiKeyRequest, CreatedApiKeyData, RotateApiKeyRequest,
    RotatedApiKeyData, UpdateApiKeyRequest, VerificationData, VerifyApiKeyRequest,
};
pub(crate) use audit_events::{__path_list_audit_events, TAG as AUDIT_TAG};
pub(crate) use create_api_key::__path_create_api_key;
pub(crate) use organizations::{
    __path_create_organization, __path_deactivate_organization, __path_get_organization, __path_update_organization,
    TAG as ORGANIZATIONS_TAG,
};
pub(crate) use routes::{
    __path_get_api_key, __path_list_api_keys, __path_revoke_api_key, __path_rotate_api_key, __path_update_api_key,
    __path_verify_api_key,
};
pub(crate) use service_accounts::{
    __path_create_service_account, __path_delete_service_account, __path_get_service_account,
    __path_list_service_accounts, TAG as SERVICE_ACCOUNTS_TAG,
};

use actix_web::web;

pub const TAG: &str = "API keys";

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `verify` before `{id}` routes: a literal segment must win over a pattern.
    cfg.service(routes::verify_api_key)
        .service(create_api_key::create_api_key)
        .service(routes::list_api_keys)
        .service(routes::get_api_key)
        .service(routes::update_api_key)
        .service(routes::rotate_api_key)
        .service(routes::revoke_api_key)
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
