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
    modifiers(&BearerAuth),
    // Every operation needs a key unless it says otherwise (verify).
    security(("bearerAuth" = []))
)]
struct Info;

/// The OpenAPI 3.1 document, generated from the handlers and DTOs.
pub fn openapi() -> OpenApiDoc {
    let mut doc = Info::openapi();
    for dialect in &DIALECTS {
        doc.merge((dialect.openapi)());
    }
    doc.merge(crate::operations::openapi());
    doc
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn every_operation_id_names_one_operation() {
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, item) in &openapi().paths.paths {
            let operations = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    let id = operation.operation_id.clone().unwrap_or_default();
                    seen.entry(id).or_default().push(format!("{method} {path}"));
                }
            }
        }
        let twice: Vec<_> = seen.iter().filter(|(id, ops)| id.is_empty() || ops.len() > 1).collect();
        assert!(
            twice.is_empty(),
            "operation ids missing or used more than once (Swagger UI would call the wrong path): {twice:?}"
        );
        assert_eq!(seen.values().map(Vec::len).sum::<usize>(), 31, "every operation was looked at");
    }
}
