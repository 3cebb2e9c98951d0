use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};

use crate::native;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let (name, schema) = crate::error_responses::error_envelope_schema();
        components.schemas.insert(name, schema);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sk_live_… / sk_test_…")
                    .description(Some("Send your key as header `Authorization: Bearer {key}`"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sesame",
        description = "API key management: issue keys with scopes, IP allow lists and expiry; store only argon2id hashes; verify fast.",
        license(name = "Apache-2.0")
    ),
    paths(
        native::create_api_key,
        native::list_api_keys,
        native::get_api_key,
        native::update_api_key,
        native::rotate_api_key,
        native::revoke_api_key,
        native::verify_api_key,
        native::create_organization,
        native::get_organization,
        native::update_organization,
        native::deactivate_organization,
        native::list_audit_events,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = native::TAG, description = "Sesame's native API key endpoints"),
        (name = native::ORGANIZATIONS_TAG, description = "Organizations (tenants) and onboarding"),
        (name = native::AUDIT_TAG, description = "The audit trail of every change")
    )
)]
struct ApiDoc;

/// The OpenAPI 3.1 document, generated from the handlers and DTOs.
pub fn openapi() -> OpenApiDoc {
    ApiDoc::openapi()
}
