use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi, PartialSchema};

use crate::dialects;
use crate::dialects::native::NativeApi;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        // Referenced by name from seed 003's error responses.
        components.schemas.insert("GenericError".to_owned(), crate::dialects::plain::GenericError::schema());
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
    modifiers(&BearerAuth)
)]
struct Info;

#[derive(OpenApi)]
#[openapi(
    paths(
        dialects::camel::create,
        dialects::camel::list,
        dialects::camel::get,
        dialects::camel::revoke,
        dialects::plain::create,
        dialects::plain::list,
        dialects::plain::get,
        dialects::plain::revoke,
        dialects::accounts::create,
        dialects::accounts::list,
        dialects::accounts::get,
        dialects::accounts::revoke,
    ),
    tags(
        (name = dialects::camel::TAG, description = "Seed 001's dialect: `/v1/api-keys`, camelCase, `{code, data, message, requestId}`; `scope` is `read` or `read-write`. Requests without `account_id` on `/v1/api-keys`."),
        (name = dialects::plain::TAG, description = "Seed 003's dialect: `/api-keys`, errors as the generic `{code, message}` object."),
        (name = dialects::accounts::TAG, description = "Seed 004's dialect: `/v1/api-keys/?account_id=…`, `{message, success, data}`, permissions `{resource: [actions]}` (`account:api:key:create` = `api_keys.create`). Bearer: `sk_`/`pk_` keys, or JWT access tokens when a provider is configured.")
    )
)]
struct ApiDoc;

/// The OpenAPI 3.1 document, generated from the handlers and DTOs.
pub fn openapi() -> OpenApiDoc {
    let mut doc = Info::openapi();
    doc.merge(NativeApi::openapi());
    doc.merge(ApiDoc::openapi());
    doc
}
