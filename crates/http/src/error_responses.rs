//! OpenAPI descriptions of the error responses, one type per status, so each
//! endpoint lists exactly the statuses it can produce.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, HeaderBuilder, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema};

/// What this status really looks like, so the document's example is not the
/// 422 envelope's under every status.
fn example(status: u16, message: &str, error: &str, validator: Option<(&str, &str)>) -> serde_json::Value {
    let request_id = "0197c0f1-9589-7990-b421-4b806f637b0c";
    serde_json::json!({
        "status": status,
        "data": null,
        "message": message,
        "error": error,
        "log": { "request_id": request_id },
        "validator": validator.map(|(field, problem)| serde_json::json!({ field: problem })),
        "support_id": (status == 500).then_some(request_id),
        "env": "development",
    })
}

/// An error response whose body is the component schema `schema`, with an
/// `X-Request-Id` header described as `request_id` and a real example.
pub(crate) fn documented_error(
    description: &str,
    schema: &str,
    request_id: &str,
    example: serde_json::Value,
) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .header("X-Request-Id", HeaderBuilder::new().schema(String::schema()).description(Some(request_id)).build())
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name(schema)))
                .example(Some(example))
                .build(),
        )
        .build()
        .into()
}

fn error_response(description: &str, example: serde_json::Value) -> RefOr<Response> {
    documented_error(description, "ErrorEnvelope", "Identifies the request in the server's logs", example)
}

macro_rules! error_responses {
    ($($name:ident => $status:literal, $description:literal, $message:literal, $error:literal, $validator:expr;)+) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    let example = example($status, $message, $error, $validator);
                    BTreeMap::from([($status.to_string(), error_response($description, example))])
                }
            }
        )+
    };
}

error_responses! {
    BadRequest => 400, "The body could not be read (not JSON, not `application/json`, too large) or the query string could not be parsed; `validator` names the part",
        "The request could not be read", "body: is not valid JSON: EOF while parsing an object at line 1 column 1",
        Some(("body", "is not valid JSON: EOF while parsing an object at line 1 column 1"));
    Unauthorized => 401, "The key is missing, unknown, malformed, expired or revoked, or its organization is deactivated",
        "Authentication failed", "the API key has expired", None;
    Forbidden => 403, "The key lacks the scope this needs, asks to grant or manage scopes it does not hold, or is used from an IP outside its allow list",
        "Permission denied", "this key lacks the `api_keys.create` scope", None;
    NotFound => 404, "No such resource in the caller's organization and environment (other organizations' resources look the same)",
        "Resource not found", "no such API key", None;
    Conflict => 409, "The resource's state forbids this (revoked key, deactivated organization, or a key deactivating its own organization)",
        "The resource's state forbids this", "the API key is revoked", None;
    Unprocessable => 422, "A field, query parameter or path id breaks the rules; `validator` maps each one to its problem",
        "The request is invalid", "the request is invalid: label: must not be blank", Some(("label", "must not be blank"));
    TooManyRequests => 429, "Too many failed attempts for this key id or from this IP; no hashing was done. `Retry-After` says when to retry",
        "Too many failed attempts", "too many failed attempts; retry after 42 s", None;
    ServerError => 500, "Unexpected failure; quote `support_id`",
        "Internal server error", "Something went wrong on our side; quote the support id", None;
}
