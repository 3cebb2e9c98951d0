//! Seed 001's error shape: `{code, data: null, message, requestId}`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api_error::Vocabulary;
use crate::error_docs::Case;
use crate::error_shape::{describe, ErrorShape};
use crate::{request_id, ApiError};

/// Seed 001's error body: the success envelope with `data` null and the
/// problem in `message`.
pub struct V1;

impl Vocabulary for V1 {}

impl ErrorShape for V1 {
    type Body = serde_json::Value;
    type Schema = V1Error;

    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            "expires_at" => "expiresAt",
            "scopes" => "scope",
            "service_account_id" => "serviceAccountId",
            other => other,
        }
    }

    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        serde_json::json!({
            "code": status.as_u16(),
            "data": null,
            "message": describe::<Self>(error, fields.as_ref()),
            "requestId": request_id::current_id(),
        })
    }

    fn description(case: Case) -> &'static str {
        match case {
            Case::UnreadableBody | Case::InvalidBody | Case::InvalidId => {
                "Bad Request: unreadable body, or a field breaks the rules"
            }
            Case::UnreadableQuery | Case::InvalidQuery => "Bad limit, cursor or serviceAccountId",
            Case::Unauthenticated => "Missing, unknown, expired or revoked key",
            Case::Forbidden => {
                "The key lacks the scope the operation needs (`api_keys.create`, `api_keys.read` or \
                 `api_keys.delete`), a scope it would grant, or one the target key holds"
            }
            Case::NotFound => "No such key in this organization",
            Case::Conflict => "The key's state forbids this",
            Case::SlowBody => "The body did not arrive within the server's deadline",
            Case::TooManyRequests => "Too many failed attempts; see `Retry-After`",
            Case::Internal => "Unexpected failure",
            Case::Unavailable => "The database is unavailable; nothing was changed; see `Retry-After`",
        }
    }
}

/// Seed 001's error: `code` is the HTTP status, `data` null, `message` names
/// each bad field and its problem.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1Error {
    #[schema(example = 400)]
    pub code: u16,
    #[schema(value_type = Option<Object>)]
    pub data: Option<()>,
    #[schema(example = "name: is required")]
    pub message: String,
    #[schema(example = "abc-123")]
    pub request_id: String,
}
