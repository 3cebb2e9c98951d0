//! The native error shape: the response envelope with `data` null.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use sesame_application::support::ValidationErrors;
use sesame_domain::OrganizationId;
use utoipa::ToSchema;

use super::schemas::{current_env, LogInfo};
use crate::api_error::{ErrorKind, Vocabulary};
use crate::error_case::{Case, ErrorCase};
use crate::error_shape::{respond, ErrorShape};
use crate::ApiError;

/// The native API's error shape: Sesame's own words and statuses (a broken
/// rule is 422), in the envelope.
pub struct Native;

impl Vocabulary for Native {}

impl ErrorShape for Native {
    type Body = ErrorEnvelope;
    type Schema = ErrorEnvelope;
    const REQUEST_ID_HEADER: Option<&'static str> = Some("Identifies the request in the server's logs");

    fn status(error: &ApiError) -> StatusCode {
        error.kind().status()
    }

    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> ErrorEnvelope {
        let log = LogInfo::current();
        let support_id = match error.kind() {
            ErrorKind::Internal => log.as_ref().map(|l| l.request_id.clone()),
            _ => None,
        };
        ErrorEnvelope {
            status: status.as_u16(),
            data: None,
            message: Some(title(error.kind()).to_owned()),
            error: Some(error.message_in::<Self>()),
            log,
            validator: fields,
            support_id,
            env: current_env(),
        }
    }

    fn description(case: Case) -> &'static str {
        match case {
            Case::UnreadableBody | Case::UnreadableQuery => {
                "The body could not be read (not JSON, not `application/json`, too large) or the query string could \
                 not be parsed; `validator` names the part"
            }
            Case::InvalidBody | Case::InvalidQuery | Case::InvalidId => {
                "A field, query parameter or path id breaks the rules; `validator` maps each one to its problem"
            }
            Case::Unauthenticated => {
                "The key is missing, unknown, malformed, expired or revoked, or its organization is deactivated"
            }
            Case::Forbidden => {
                "The key lacks the scope this needs, asks to grant or manage scopes it does not hold, or is used \
                 from an IP outside its allow list"
            }
            Case::NotFound => {
                "No such resource in the caller's organization and environment (other organizations' resources \
                 look the same)"
            }
            Case::Conflict => {
                "The resource's state forbids this (revoked key, deactivated organization, or a key deactivating \
                 its own organization)"
            }
            Case::LargeBody => "The body is larger than the server accepts (`server.max_body_bytes`); nothing was done",
            Case::SlowBody => {
                "The body did not arrive within the server's deadline (`server.body_timeout_secs`); nothing was done"
            }
            Case::TooManyRequests => {
                "Too many failed attempts for this key id or from this IP (no hashing was done), or the key is over \
                 one of its rate limits or out of credits (nothing was spent). `Retry-After` says when to retry; a \
                 key's limits are described by `RateLimit-Policy` and `RateLimit`"
            }
            Case::Internal => "Unexpected failure; quote `support_id`",
            Case::Unavailable => "The database is unavailable; nothing was changed; see `Retry-After`",
        }
    }
}

/// The envelope's `message`: what kind of failure, for a human.
fn title(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadRequest => "The request could not be read",
        ErrorKind::Validation => "The request is invalid",
        ErrorKind::Unauthenticated => "Authentication failed",
        ErrorKind::Forbidden => "Permission denied",
        ErrorKind::NotFound => "Resource not found",
        ErrorKind::MethodNotAllowed => "Method not allowed",
        ErrorKind::Conflict => "The resource's state forbids this",
        ErrorKind::RequestTimeout => "The request body arrived too slowly",
        ErrorKind::PayloadTooLarge => "The request body is too large",
        ErrorKind::TooManyRequests => "Too many requests",
        ErrorKind::Internal => "Internal server error",
        ErrorKind::Unavailable => "Service unavailable",
    }
}

/// A native handler returns `ApiError` itself: it answers in the native shape.
impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        Native::status(self)
    }

    fn error_response(&self) -> HttpResponse {
        respond::<Native>(self)
    }
}

/// A failed response: same envelope, `data` null.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    #[schema(example = 422)]
    pub status: u16,
    /// Always null on failure.
    #[schema(value_type = Option<Object>)]
    pub data: Option<()>,
    #[schema(example = "The request is invalid")]
    pub message: Option<String>,
    /// What went wrong, for a human.
    #[schema(example = "label: must not be blank")]
    pub error: Option<String>,
    pub log: Option<LogInfo>,
    /// Each bad field and what is wrong with it.
    #[schema(example = json!({"label": "must not be blank"}))]
    pub validator: Option<BTreeMap<String, String>>,
    /// Set on server errors: quote it to support. Same value as the request id.
    #[schema(format = "uuid")]
    pub support_id: Option<String>,
    #[schema(example = "development")]
    pub env: &'static str,
}

/// An organization's path id that is not one, which the message names.
pub struct InvalidOrganizationId;

impl ErrorCase for InvalidOrganizationId {
    const CASE: Case = Case::InvalidId;

    fn example() -> ApiError {
        let problem = "org".parse::<OrganizationId>().expect_err("not an id");
        ApiError::invalid(ValidationErrors::single("id", problem))
    }
}
