use std::collections::BTreeMap;

use serde_json::Value;
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
    doc.merge(crate::gateway::openapi());
    doc.merge(crate::secret_scanning::openapi());
    doc.merge(crate::operations::openapi());
    readable_schema_names(doc)
}

/// utoipa names an instance of a generic body after the type and its
/// parameter (`Envelope_ApiKeyData`, `V1Envelope_ApiKeyV1`); the Schemas
/// section of Swagger UI shows them as a reader says them: `ApiKeyResponse`,
/// `ApiKeyV1Response`. Renamed in the document's JSON, `$ref`s included,
/// since utoipa 5 has no alias for one instance of a generic type.
fn readable_schema_names(doc: OpenApiDoc) -> OpenApiDoc {
    let Some(components) = &doc.components else { return doc };
    let mut renames = BTreeMap::new();
    for name in components.schemas.keys() {
        let Some((wrapper, inner)) = name.split_once('_') else { continue };
        if !wrapper.ends_with("Envelope") {
            continue;
        }
        let readable = format!("{}Response", inner.strip_suffix("Data").unwrap_or(inner));
        if !components.schemas.contains_key(&readable) && !renames.values().any(|taken| taken == &readable) {
            renames.insert(name.clone(), readable);
        }
    }
    if renames.is_empty() {
        return doc;
    }
    let mut json = serde_json::to_value(&doc).expect("the document is JSON");
    rename_refs(&mut json, &renames);
    if let Some(schemas) = json.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (old, new) in &renames {
            if let Some(schema) = schemas.remove(old) {
                schemas.insert(new.clone(), schema);
            }
        }
    }
    serde_json::from_value(json).expect("the renamed document is still a document")
}

fn rename_refs(json: &mut Value, renames: &BTreeMap<String, String>) {
    match json {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                match value {
                    Value::String(target) if key == "$ref" => {
                        if let Some(new) = target.strip_prefix(SCHEMA_REF).and_then(|name| renames.get(name)) {
                            *target = format!("{SCHEMA_REF}{new}");
                        }
                    }
                    _ => rename_refs(value, renames),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_refs(item, renames)),
        _ => {}
    }
}

const SCHEMA_REF: &str = "#/components/schemas/";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_have_names_a_reader_would_use_and_every_ref_resolves() {
        let json = serde_json::to_value(openapi()).unwrap();
        let schemas = json["components"]["schemas"].as_object().unwrap();
        let generic: Vec<&String> = schemas.keys().filter(|name| name.contains('_')).collect();
        assert!(generic.is_empty(), "names of generic instances: {generic:?}");
        assert!(schemas.contains_key("ApiKeyResponse") && schemas.contains_key("AccountApiKeyListResponse"));
        let text = json.to_string();
        for reference in text.split("\"$ref\":\"").skip(1) {
            let target = reference.split('"').next().unwrap();
            let name = target.strip_prefix(SCHEMA_REF).unwrap_or_else(|| panic!("a ref outside schemas: {target}"));
            assert!(schemas.contains_key(name), "a $ref to no schema: {target}");
        }
    }

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
        assert_eq!(seen.values().map(Vec::len).sum::<usize>(), 40, "every operation was looked at");
    }
}
