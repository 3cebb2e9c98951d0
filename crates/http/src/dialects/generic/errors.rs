//! Seed 003's error shape: the generic error object `{code, message}`, its
//! code a snake_case string.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::schemas::{check_name, NAME_MAX_CHARS};
use crate::api_error::{ErrorKind, Vocabulary};
use crate::error_case::{Case, ErrorCase};
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
            ErrorKind::RequestTimeout => "request_timeout",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::TooManyRequests => "rate_limited",
            ErrorKind::Internal => "internal_error",
            ErrorKind::Unavailable => "unavailable",
        }
    }
}

impl Vocabulary for Generic {}

impl ErrorShape for Generic {
    type Body = serde_json::Value;
    type Schema = GenericError;
    const REQUEST_ID_HEADER: Option<&'static str> = Some("ID uniquely identifying the request/response cycle.");

    const FIELD_NAMES: &'static [(&'static str, &'static str)] = &[("label", "name")];

    fn body(error: &ApiError, _: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        let mut body =
            serde_json::json!({ "code": Self::code(error), "message": describe::<Self>(error, fields.as_ref()) });
        if let Some(fields) = fields {
            body["errors"] = serde_json::json!(fields);
        }
        body
    }

    fn description(case: Case) -> &'static str {
        match case {
            Case::UnreadableBody | Case::UnreadableQuery | Case::InvalidBody | Case::InvalidQuery | Case::InvalidId => {
                "Invalid input"
            }
            Case::Unauthenticated => "Access token is missing or invalid",
            Case::Forbidden => "Permission denied",
            Case::Internal => "Internal Server Error",
            Case::Unavailable => "Service Unavailable; see `Retry-After`",
            other => other.description(),
        }
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

/// A name longer than seed 003 allows: its own rule, so its own example.
pub struct InvalidName;

impl ErrorCase for InvalidName {
    const CASE: Case = Case::InvalidBody;

    fn example() -> ApiError {
        check_name(&"n".repeat(NAME_MAX_CHARS + 1)).expect_err("a name over the limit")
    }
}
