use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};

use crate::dialects::DIALECTS;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
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

/// What the document says besides the dialects' fragments.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sesame",
        description = "API key management: issue keys with scopes, IP allow lists and expiry; store only argon2id hashes; verify fast.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth)
)]
struct Info;

/// The OpenAPI 3.1 document, generated from the handlers and DTOs.
pub fn openapi() -> OpenApiDoc {
    let mut doc = Info::openapi();
    for dialect in &DIALECTS {
        doc.merge((dialect.openapi)());
    }
    doc
}
