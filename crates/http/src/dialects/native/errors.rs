//! The native error shape: the response envelope with `data` null.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::schemas::LogInfo;

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
