//! The native API's request and response bodies, and the envelope
//! `{status, data, message, error, log, validator, support_id, env}` that
//! wraps every response, as Sesame's API reference documents it.

mod api_keys;
mod audit_events;
mod import;
mod limits;
mod organizations;
mod service_accounts;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id;

pub use api_keys::{
    ApiKeyData, ApiKeyPage, CreateApiKeyRequest, CreatedApiKeyData, ListApiKeysParams, RotateApiKeyRequest,
    RotatedApiKeyData, UpdateApiKeyRequest, VerificationData, VerifyApiKeyRequest,
};
pub use audit_events::{AuditEventData, AuditEventPage};
pub use import::{ImportApiKeysRequest, ImportErrorData, ImportKeyRequest, ImportedKeysData};
pub use limits::{rate_limits_input, ChangeCreditsRequest, CreditBalanceData};
pub use organizations::{CreatedOrganizationData, OrganizationData, OrganizationRequest};
pub use service_accounts::{
    DeletedServiceAccountData, ServiceAccountData, ServiceAccountPage, ServiceAccountRequest,
    UpdateServiceAccountLimitsRequest,
};

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
