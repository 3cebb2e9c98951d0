//! Seed 001's request and response bodies: camelCase, RFC 3339 times, and
//! a key's access as one coarse `scope` (see docs/dialects.md).

use serde::{Deserialize, Serialize};
use sesame_application::support::ValidationErrors;
use sesame_domain::{ApiKey, Scope};
use utoipa::{IntoParams, ToSchema};

use crate::time_format::{rfc3339, rfc3339_opt};
use crate::ApiError;
use crate::PageParams;

/// `{code, data, message, requestId}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1Envelope<T: ToSchema> {
    #[schema(example = 200)]
    pub code: u16,
    pub data: T,
    #[schema(example = "success")]
    pub message: &'static str,
    #[schema(example = "abc-123")]
    pub request_id: String,
}

/// The coarse access levels and the scopes each stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum AccessLevel {
    /// Every read-only scope outside key and organization management.
    #[serde(rename = "read")]
    Read,
    /// Every scope outside key and organization management.
    #[serde(rename = "read-write")]
    ReadWrite,
}

impl AccessLevel {
    pub fn scopes(self) -> Vec<String> {
        Scope::ALL
            .iter()
            .filter(|s| !s.is_management() && (self == AccessLevel::ReadWrite || s.is_read_only()))
            .map(|s| s.as_str().to_owned())
            .collect()
    }

    /// A key holding any scope that writes is `read-write`.
    pub fn of(key: &ApiKey) -> Self {
        if key.scopes.iter().all(Scope::is_read_only) {
            AccessLevel::Read
        } else {
            AccessLevel::ReadWrite
        }
    }
}

/// Request body of seed 001's create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateApiKeyV1Request {
    /// The key's name, 1–255 characters.
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        example = "CI deploy key"
    )]
    pub name: String,
    #[schema(max_length = 1000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<String>,
    /// RFC 3339 (or `2025-06-29 16:03:44`, UTC); must be in the future.
    #[schema(format = DateTime, example = "2027-01-01T00:00:00Z")]
    pub expires_at: Option<String>,
    /// `read` (default) or `read-write`.
    #[schema(value_type = Option<AccessLevel>)]
    pub scope: Option<String>,
    /// `svc_…`: the service account the key belongs to.
    #[schema(
        pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        example = "svc_0197c0f1-9589-7990-b421-4b806f637b0c"
    )]
    pub service_account_id: Option<String>,
}

impl AccessLevel {
    /// The level a create asks for: `read` when absent.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw {
            None | Some("read") => Ok(AccessLevel::Read),
            Some("read-write") => Ok(AccessLevel::ReadWrite),
            Some(_) => Err(ApiError::invalid(ValidationErrors::single("scope", "must be `read` or `read-write`"))),
        }
    }
}

/// The person behind a key: the subject of the access token that issued it.
fn user_id(key: &ApiKey) -> Option<String> {
    key.created_by.subject().map(str::to_owned)
}

/// A key in seed 001's shape. Times are RFC 3339; absent values are null.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyV1 {
    pub created_at: String,
    /// The key or access token that issued this key.
    pub created_by: String,
    pub description: String,
    pub expires_at: Option<String>,
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "sk_live_3yQm2B")]
    pub key_prefix: String,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    pub last_used_user_agent: Option<String>,
    pub name: String,
    pub organization_id: String,
    pub revoked_at: Option<String>,
    pub scope: AccessLevel,
    pub service_account_id: Option<String>,
    /// The subject of the access token that issued the key, when a person's
    /// token did; null for keys issued by keys.
    pub user_id: Option<String>,
}

impl ApiKeyV1 {
    pub fn new(key: &ApiKey) -> Self {
        Self {
            created_at: rfc3339(key.created_at),
            created_by: key.created_by.to_string(),
            description: key.description.as_str().to_owned(),
            expires_at: rfc3339_opt(key.expires_at.map(|e| e.at())),
            id: key.id.to_string(),
            key_prefix: key.key_prefix.clone(),
            last_used_at: rfc3339_opt(key.usage.last_used_at),
            last_used_ip: key.usage.last_used_ip.clone(),
            last_used_user_agent: key.usage.last_used_user_agent.clone(),
            name: key.label.as_str().to_owned(),
            organization_id: key.organization_id.to_string(),
            revoked_at: rfc3339_opt(key.revoked_at),
            scope: AccessLevel::of(key),
            service_account_id: key.service_account_id.map(|id| id.to_string()),
            user_id: user_id(key),
        }
    }
}

/// A new key with its plaintext, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyV1 {
    #[serde(flatten)]
    pub api_key: ApiKeyV1,
    /// Key is the full plaintext API key, shown only once. Store it securely.
    #[schema(example = "sk_live_3yQm…")]
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyV1Page {
    pub items: Vec<ApiKeyV1>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListV1Params {
    #[serde(flatten)]
    #[param(ignore)]
    pub page: PageParams,
    /// Only the keys of this service account.
    #[param(pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub service_account_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_grants_only_read_only_scopes_outside_management() {
        let scopes = AccessLevel::Read.scopes();
        assert!(scopes.contains(&"products.read".to_owned()));
        assert!(!scopes.contains(&"products.create".to_owned()));
        assert!(!scopes.iter().any(|s| s.starts_with("api_keys.") || s.starts_with("organizations.")));
    }

    #[test]
    fn read_write_is_a_superset_of_read_without_management() {
        let (read, write) = (AccessLevel::Read.scopes(), AccessLevel::ReadWrite.scopes());
        assert!(read.iter().all(|s| write.contains(s)));
        assert!(write.contains(&"products.delete".to_owned()));
        assert!(!write.contains(&"api_keys.create".to_owned()));
    }
}
