//! The native error shape: the response envelope with `data` null.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::schemas::{current_env, LogInfo};
use crate::api_error::{ErrorKind, Vocabulary};
use crate::error_shape::{respond, ErrorShape};
use crate::ApiError;

/// The native API's error shape: Sesame's own words and statuses (a broken
/// rule is 422), in the envelope.
pub struct Native;

impl Vocabulary for Native {}

impl ErrorShape for Native {
    type Body = ErrorEnvelope;

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
        ErrorKind::TooManyRequests => "Too many failed attempts",
        ErrorKind::Internal => "Internal server error",
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
