//! The native response envelope: `{status, data, message, error, log,
//! validator, support_id, env}`, as Sesame's API reference documents it.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id;

/// `{"request_id": "…"}`: where to look in the server's logs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogInfo {
    #[schema(example = "0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub request_id: String,
}

impl LogInfo {
    pub fn current() -> Option<Self> {
        request_id::current().map(|c| Self { request_id: c.request_id })
    }
}

/// A successful response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Envelope<T: ToSchema> {
    /// The HTTP status, repeated in the body.
    #[schema(example = 201)]
    pub status: u16,
    /// The requested object.
    pub data: T,
    /// A human-readable summary.
    #[schema(example = "Resource created successfully")]
    pub message: Option<&'static str>,
    /// Always null on success.
    #[schema(value_type = Option<String>)]
    pub error: Option<String>,
    pub log: Option<LogInfo>,
    /// Always null on success.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub validator: Option<BTreeMap<String, String>>,
    /// Always null on success.
    #[schema(value_type = Option<String>, format = "uuid")]
    pub support_id: Option<String>,
    /// The API environment: `development` or `production`.
    #[schema(example = "development")]
    pub env: &'static str,
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

/// The API environment of the request being served.
pub fn current_env() -> &'static str {
    request_id::current_env().unwrap_or(crate::ApiEnvironment::Development).as_str()
}

impl<T: ToSchema> Envelope<T> {
    pub fn new(status: u16, message: &'static str, data: T) -> Self {
        Self {
            status,
            data,
            message: Some(message),
            error: None,
            log: LogInfo::current(),
            validator: None,
            support_id: None,
            env: current_env(),
        }
    }
}
