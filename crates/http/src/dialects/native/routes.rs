//! What the native API serves, and its part of the OpenAPI document.

use actix_web::{guard, web};
use utoipa::OpenApi;

use super::errors::{ErrorEnvelope, Native};
use super::handlers::{api_keys, audit_events, organizations, service_accounts};
use crate::dialects::tagged;
use crate::error_shape::resource;
use crate::BodyLimit;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `verify` and `import` before `{id}` routes: a literal segment must win
    // over a pattern.
    cfg.service(api_keys::verify_api_key)
        // Other methods on `verify` are 405s, not `{id}` requests for "verify".
        .service(resource::<Native>(&["/developers/api_keys/verify"], "POST"))
        .service(
            // Its own body limit: a batch is larger than any other body.
            web::resource("/developers/api_keys/import")
                .guard(guard::Post())
                .app_data(web::PayloadConfig::new(api_keys::IMPORT_MAX_BODY_BYTES))
                .app_data(BodyLimit(api_keys::IMPORT_MAX_BODY_BYTES))
                .to(api_keys::import_api_keys),
        )
        .service(resource::<Native>(&["/developers/api_keys/import"], "POST"))
        .service(api_keys::create_api_key)
        .service(api_keys::list_api_keys)
        .service(api_keys::get_api_key)
        .service(api_keys::update_api_key)
        .service(api_keys::rotate_api_key)
        .service(api_keys::change_api_key_credits)
        .service(api_keys::revoke_api_key)
        .service(organizations::create_organization)
        .service(organizations::get_organization)
        .service(organizations::update_organization)
        .service(organizations::deactivate_organization)
        .service(audit_events::list_audit_events)
        .service(service_accounts::create_service_account)
        .service(service_accounts::list_service_accounts)
        .service(service_accounts::get_service_account)
        .service(service_accounts::delete_service_account)
        .service(service_accounts::update_service_account_limits);
    // Each route above is a resource of its own, guarded by its method: a
    // request no guard admits falls through to these, which answer 405 with
    // `Allow` in the native shape rather than actix's bare 404.
    for (path, allowed) in METHODS {
        cfg.service(resource::<Native>(&[path], allowed));
    }
}

/// Every native path and the methods it serves.
const METHODS: [(&str, &str); 12] = [
    ("/developers/api_keys", "GET, POST"),
    ("/developers/api_keys/verify", "POST"),
    ("/developers/api_keys/import", "POST"),
    ("/developers/api_keys/{id}", "GET, PATCH, DELETE"),
    ("/developers/api_keys/{id}/rotate", "POST"),
    ("/developers/api_keys/{id}/credits", "POST"),
    ("/developers/organizations", "POST"),
    ("/developers/organizations/{id}", "GET, PATCH"),
    ("/developers/organizations/{id}/deactivate", "POST"),
    ("/developers/audit_events", "GET"),
    ("/developers/service_accounts", "GET, POST"),
    ("/developers/service_accounts/{id}", "GET, PATCH, DELETE"),
];

/// One fragment per resource; [`openapi`] puts each under its tag.
#[derive(OpenApi)]
#[openapi(paths(
    api_keys::create_api_key,
    api_keys::import_api_keys,
    api_keys::list_api_keys,
    api_keys::get_api_key,
    api_keys::update_api_key,
    api_keys::rotate_api_key,
    api_keys::revoke_api_key,
    api_keys::verify_api_key,
    api_keys::change_api_key_credits,
))]
struct ApiKeysApi;

#[derive(OpenApi)]
#[openapi(paths(
    organizations::create_organization,
    organizations::get_organization,
    organizations::update_organization,
    organizations::deactivate_organization,
))]
struct OrganizationsApi;

#[derive(OpenApi)]
#[openapi(paths(audit_events::list_audit_events))]
struct AuditEventsApi;

#[derive(OpenApi)]
#[openapi(paths(
    service_accounts::create_service_account,
    service_accounts::list_service_accounts,
    service_accounts::get_service_account,
    service_accounts::delete_service_account,
    service_accounts::update_service_account_limits,
))]
struct ServiceAccountsApi;

#[derive(OpenApi)]
#[openapi(
    // The query parameters name these; utoipa collects only bodies' schemas.
    components(schemas(ErrorEnvelope, crate::field_schemas::StatusName, crate::field_schemas::EnvironmentName)),
    tags(
        (name = api_keys::TAG, description = "Sesame's own API (`/developers/…`): start here, unless your client already speaks one of the API styles below"),
        (name = organizations::TAG, description = "Organizations (tenants) and onboarding"),
        (name = audit_events::TAG, description = "The audit trail of every change"),
        (name = service_accounts::TAG, description = "Named non-human principals that keys belong to"),
    )
)]
struct NativeApi;

/// The native API's part of the document: each resource's operations under
/// its tag, their ids the handlers' names.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = NativeApi::openapi();
    doc.merge(tagged(ApiKeysApi::openapi(), api_keys::TAG));
    doc.merge(tagged(OrganizationsApi::openapi(), organizations::TAG));
    doc.merge(tagged(AuditEventsApi::openapi(), audit_events::TAG));
    doc.merge(tagged(ServiceAccountsApi::openapi(), service_accounts::TAG));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 405 table names exactly the methods the document says each
    /// native path serves.
    #[test]
    fn the_method_table_matches_the_documented_operations() {
        let doc = openapi();
        let mut documented: Vec<(String, String)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let served: Vec<&str> = methods.iter().filter(|(_, on)| *on).map(|(m, _)| *m).collect();
                (path.clone(), served.join(", "))
            })
            .collect();
        documented.sort();
        let mut table: Vec<(String, String)> = METHODS.iter().map(|(p, m)| (p.to_string(), m.to_string())).collect();
        table.sort();
        assert_eq!(table, documented);
    }
}
