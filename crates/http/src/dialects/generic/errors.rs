//! Seed 003's error shape: the generic error object `{code, message}`, its
//! code a snake_case string.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoResponses, ToSchema};

use crate::api_error::{ErrorKind, Vocabulary};
use crate::error_responses::documented_error;
use crate::error_shape::{describe, ErrorShape};
use crate::ApiError;

pub struct Generic;

impl Generic {
    fn code(error: &ApiError) -> &'static str {
        match error.kind() {
            ErrorKind::BadRequest | ErrorKind::Validation => "invalid_input",
            ErrorKind::Unauthenticated => "invalid_token",
            ErrorKind::Forbidden => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::Conflict => "conflict",
            ErrorKind::TooManyRequests => "rate_limited",
            ErrorKind::Internal => "internal_error",
        }
    }
}

impl Vocabulary for Generic {}

impl ErrorShape for Generic {
    type Body = serde_json::Value;

    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            other => other,
        }
    }

    fn body(error: &ApiError, _: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        let mut body =
            serde_json::json!({ "code": Self::code(error), "message": describe::<Self>(error, fields.as_ref()) });
        if let Some(fields) = fields {
            body["errors"] = serde_json::json!(fields);
        }
        body
    }
}

/// Generic API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenericError {
    /// Unique (system-wide) error code: `invalid_input`, `invalid_token`,
    /// `permission_denied`, `not_found`, `conflict`, `rate_limited` or
    /// `internal_error`.
    #[schema(example = "invalid_token")]
    pub code: String,
    /// Developer-friendly message explaining error.
    #[schema(example = "The access token expired.")]
    pub message: String,
    /// On `invalid_input`: each bad field and its problem.
    pub errors: Option<BTreeMap<String, String>>,
}

const REQUEST_ID: &str = "ID uniquely identifying the request/response cycle.";

/// Seed 003's documented errors: the generic error object, with
/// `X-Request-Id`, and an example of what each really says.
macro_rules! generic_errors {
    ($($name:ident => $status:literal, $description:literal, $example:expr;)+) => {$(
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let response = documented_error($description, "GenericError", REQUEST_ID, $example);
                BTreeMap::from([($status.to_string(), response)])
            }
        }
    )+};
}

fn example(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "code": code, "message": message })
}

generic_errors! {
    InvalidInput => 400, "Invalid input", serde_json::json!({
        "code": "invalid_input",
        "message": "name: must be at most 100 characters",
        "errors": { "name": "must be at most 100 characters" },
    });
    InvalidToken => 401, "Access token is missing or invalid", example("invalid_token", "the API key has expired");
    PermissionDenied => 403, "Permission denied",
        example("permission_denied", "this key lacks the `api_keys.create` scope");
    NoSuchKey => 404, "No such key in the caller's organization", example("not_found", "no such API key");
    RateLimited => 429, "Too many failed attempts; see `Retry-After`",
        example("rate_limited", "too many failed attempts; retry after 42 s");
    InternalError => 500, "Internal Server Error",
        example("internal_error", "Something went wrong on our side; quote the support id");
}
