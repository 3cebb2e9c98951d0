//! OpenAPI descriptions of the error responses, one type per status, so each
//! endpoint lists exactly the statuses it can produce.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, HeaderBuilder, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema};

use crate::envelope::ErrorEnvelope;

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .header(
            "X-Request-Id",
            HeaderBuilder::new()
                .schema(String::schema())
                .description(Some("Identifies the request in the server's logs"))
                .build(),
        )
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorEnvelope"))).build(),
        )
        .build()
        .into()
}

macro_rules! error_responses {
    ($($name:ident => $status:literal, $description:literal;)+) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    BTreeMap::from([($status.to_owned(), error_response($description))])
                }
            }
        )+
    };
}

error_responses! {
    BadRequest => "400", "The body could not be read (not JSON, not `application/json`, too large) or the query string could not be parsed; `validator` names the part";
    Unauthorized => "401", "The key is missing, unknown, malformed, expired or revoked, or its organization is deactivated";
    Forbidden => "403", "The key lacks the scope this needs, asks to grant or manage scopes it does not hold, or is used from an IP outside its allow list";
    NotFound => "404", "No such resource in the caller's organization and environment (other organizations' resources look the same)";
    Conflict => "409", "The resource's state forbids this (revoked key, deactivated organization, or a key deactivating its own organization)";
    Unprocessable => "422", "A field, query parameter or path id breaks the rules; `validator` maps each one to its problem";    TooManyRequests => "429", "Too many failed attempts for this key id or from this IP; no hashing was done. `Retry-After` says when to retry";
    ServerError => "500","Unexpected failure; quote `support_id`";
}

/// Keeps `ErrorEnvelope` in the document's components even though the
/// responses above refer to it by name.
pub fn error_envelope_schema() -> (String, RefOr<utoipa::openapi::schema::Schema>) {
    ("ErrorEnvelope".to_owned(), ErrorEnvelope::schema())
}
