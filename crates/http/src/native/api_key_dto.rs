use serde::{Deserialize, Serialize};
use sesame_domain::ApiKey;
use utoipa::ToSchema;

use crate::scope_schema::ScopeName;
use crate::time_format;

/// Request body for creating a new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// Human-readable label for the API key.
    #[schema(max_length = 255, example = "My API Key")]
    pub label: String,
    /// Human-readable description for the API key.
    #[schema(example = "Key for accessing product APIs")]
    pub description: Option<String>,
    /// List of scopes this API key has access to. The caller may grant only
    /// scopes it holds itself.
    #[schema(value_type = Option<Vec<ScopeName>>, example = json!(["products.create"]))]
    pub scopes: Option<Vec<String>>,
    /// List of IP addresses (or CIDR ranges, v4 or v6) allowed to use this API
    /// key. Empty or absent: any address.
    #[schema(example = json!(["127.0.0.1"]))]
    pub ip_allow_list: Option<Vec<String>>,
    /// Timestamp when the API key expires, `2025-06-29 16:03:44` (UTC) or RFC
    /// 3339. Must be in the future.
    #[schema(format = "mysql-date-time", example = "2025-06-29 16:03:44")]
    pub expires_at: Option<String>,
    /// Sesame extension: a JSON object returned with every verification.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// Usage of a key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyMetrics {
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub api_key_id: String,
    #[schema(example = 150)]
    pub total_requests: u64,
    #[schema(format = "mysql-date-time", example = "2025-06-30 16:03:44")]
    pub last_used_at: Option<String>,
}

impl ApiKeyMetrics {
    pub fn of(key: &ApiKey) -> Self {
        Self {
            api_key_id: key.id.to_string(),
            total_requests: key.usage.total_requests,
            last_used_at: time_format::format_opt(key.usage.last_used_at),
        }
    }
}

/// A newly created key. `secret` is shown here once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyData {
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub organization_id: String,
    #[schema(example = "My API Key")]
    pub label: String,
    #[schema(example = "Key for accessing product APIs")]
    pub description: String,
    /// The plaintext key. Store it now: Sesame keeps only its argon2id hash.
    #[schema(example = "sk_live_3yQm…")]
    pub secret: String,
    #[schema(value_type = Vec<ScopeName>, example = json!(["products.create"]))]
    pub scopes: Vec<String>,
    #[schema(example = json!(["127.0.0.1"]))]
    pub ip_allow_list: Vec<String>,
    #[schema(format = "mysql-date-time", example = "2026-05-30 20:23:16")]
    pub expires_at: Option<String>,
    #[schema(format = "mysql-date-time", example = "2025-06-30 15:05:47")]
    pub created_at: String,
    #[schema(format = "mysql-date-time")]
    pub updated_at: Option<String>,
    pub metrics: ApiKeyMetrics,
}

impl CreatedApiKeyData {
    pub fn new(key: &ApiKey, secret: String) -> Self {
        Self {
            id: key.id.to_string(),
            organization_id: key.organization_id.to_string(),
            label: key.label.as_str().to_owned(),
            description: key.description.as_str().to_owned(),
            secret,
            scopes: key.scopes.names().into_iter().map(str::to_owned).collect(),
            ip_allow_list: key.ip_allow_list.entries(),
            expires_at: time_format::format_opt(key.expires_at.map(|e| e.at())),
            created_at: time_format::format(key.created_at),
            updated_at: time_format::format_opt(key.updated_at),
            metrics: ApiKeyMetrics::of(key),
        }
    }
}
