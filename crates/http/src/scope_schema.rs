//! The scope catalogue as an OpenAPI string enum, generated from the domain's
//! catalogue so the two cannot drift.

use sesame_domain::Scope;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// One of Sesame's scopes, `resource.action`.
pub struct ScopeName;

impl PartialSchema for ScopeName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A scope: `resource.action`"))
            .enum_values(Some(Scope::ALL.iter().map(|s| s.as_str())))
            .into()
    }
}

impl ToSchema for ScopeName {}
