use crate::field_schemas::{EnvironmentName, IpAddress, IpAllowListEntry, KindName, StatusName, Timestamp};
use serde::{Deserialize, Serialize};
use sesame_domain::{ApiKey, ApiKeyId, ApiKeyStatus, OrganizationId, ScopeSet};
use utoipa::{IntoParams, ToSchema};

use super::limits::{credits_body, limit_states, rate_limits_body, CreditsBody, LimitStateData, RateLimitBody};
use crate::scope_schema::ScopeName;
use crate::time_format;
use crate::PageParams;
use sesame_application::limits::UsageReport;

/// Request body for creating a new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// Human-readable label for the API key.
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        example = "My API Key"
    )]
    pub label: String,
    /// Human-readable description for the API key.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$",
        example = "Key for accessing product APIs"
    )]
    pub description: Option<String>,
    /// List of scopes this API key has access to. The caller may grant only
    /// scopes it holds itself.
    #[schema(value_type = Option<Vec<ScopeName>>, example = json!(["products.create"]))]
    pub scopes: Option<Vec<String>>,
    /// List of IP addresses (or CIDR ranges, v4 or v6) allowed to use this API
    /// key. Empty or absent: any address.
    #[schema(value_type = Option<Vec<IpAllowListEntry>>, max_items = 100, example = json!(["127.0.0.1"]))]
    pub ip_allow_list: Option<Vec<String>>,
    /// Timestamp when the API key expires, `2025-06-29 16:03:44` (UTC) or RFC
    /// 3339. Must be in the future.
    #[schema(value_type = Option<Timestamp>, example = "2030-06-29 16:03:44")]
    pub expires_at: Option<String>,
    /// Sesame extension: a JSON object returned with every verification.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Sesame extension: `secret` (default, `sk_…`) or `publishable` (`pk_…`,
    /// may not hold `api_keys.*` or `organizations.*` scopes).
    #[schema(value_type = Option<KindName>, example = "secret")]
    pub kind: Option<String>,
    /// Sesame extension: `live` or `test` (`sk_test_…`). Defaults to the
    /// caller's environment; a test key issues only test keys.
    #[schema(value_type = Option<EnvironmentName>, example = "live")]
    pub environment: Option<String>,
    /// Sesame extension: `svc_…`, a service account of the caller's
    /// organization the key belongs to.
    #[schema(
        pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        example = "svc_0197c0f1-9589-7990-b421-4b806f637b0c"
    )]
    pub service_account_id: Option<String>,
    /// Sesame extension: named rate limits, checked in order (see docs/limits.md).
    #[schema(max_items = 10)]
    pub rate_limits: Option<Vec<RateLimitBody>>,
    /// Sesame extension: credits, spent by each use; absent: unlimited.
    pub credits: Option<CreditsBody>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListApiKeysParams {
    #[serde(flatten)]
    #[param(ignore)]
    pub page: PageParams,
    /// `active`, `expired` or `revoked`.
    #[param(value_type = Option<StatusName>)]
    pub status: Option<String>,
    /// `live` or `test`; a key lists only keys of its own environment.
    #[param(value_type = Option<EnvironmentName>)]
    pub environment: Option<String>,
    /// Only the keys of this service account (`svc_…`).
    #[param(pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub service_account_id: Option<String>,
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
    /// Sesame extension: the key's rate limits; absent when it has none
    /// (the documented response keeps exactly its documented fields).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<RateLimitBody>,
    /// Sesame extension: the key's credits; absent when unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<CreditsBody>,
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
            rate_limits: rate_limits_body(&key.limits.rate_limits),
            credits: credits_body(key.limits.credits.as_ref()),
        }
    }
}

/// An API key as stored: never its secret or hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyData {
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub organization_id: String,
    pub label: String,
    pub description: String,
    #[schema(value_type = Vec<ScopeName>)]
    pub scopes: Vec<String>,
    pub ip_allow_list: Vec<String>,
    #[schema(format = "mysql-date-time")]
    pub expires_at: Option<String>,
    #[schema(format = "mysql-date-time")]
    pub created_at: String,
    #[schema(format = "mysql-date-time")]
    pub updated_at: Option<String>,
    pub metrics: ApiKeyMetrics,
    /// Set once the key is revoked; it stays readable.
    #[schema(format = "mysql-date-time")]
    pub revoked_at: Option<String>,
    /// Set when GitHub's secret scanning first reported one of the key's
    /// tokens as published: the key was revoked then, or only flagged
    /// (`secret_scanning.on_leak`). Null for a key never reported.
    #[schema(format = "mysql-date-time")]
    pub leaked_at: Option<String>,
    /// `active`, `expired` or `revoked`, now.
    #[schema(example = "active")]
    pub status: String,
    /// `live` or `test`.
    #[schema(example = "live")]
    pub environment: String,
    /// `secret` or `publishable`.
    #[schema(example = "secret")]
    pub kind: String,
    /// The start of the current token, safe to display: `sk_live_3yQm2B`.
    #[schema(example = "sk_live_3yQm2B")]
    pub key_prefix: String,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// The key or system that issued this key.
    pub created_by: String,
    /// The service account the key belongs to, if any.
    pub service_account_id: Option<String>,
    pub last_used_ip: Option<String>,
    pub last_used_user_agent: Option<String>,
    /// Sesame extension: named rate limits, checked in order; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<RateLimitBody>,
    /// Sesame extension: credits as last read; absent when unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<CreditsBody>,
}

impl ApiKeyData {
    /// `status` as the use case judged it, at its own instant.
    pub fn new(key: &ApiKey, status: ApiKeyStatus) -> Self {
        Self {
            id: key.id.to_string(),
            organization_id: key.organization_id.to_string(),
            label: key.label.as_str().to_owned(),
            description: key.description.as_str().to_owned(),
            scopes: key.scopes.names().into_iter().map(str::to_owned).collect(),
            ip_allow_list: key.ip_allow_list.entries(),
            expires_at: time_format::format_opt(key.expires_at.map(|e| e.at())),
            created_at: time_format::format(key.created_at),
            updated_at: time_format::format_opt(key.updated_at),
            metrics: ApiKeyMetrics::of(key),
            revoked_at: time_format::format_opt(key.revoked_at),
            leaked_at: time_format::format_opt(key.leaked_at),
            status: status.as_str().to_owned(),
            environment: key.environment.as_str().to_owned(),
            kind: key.kind.as_str().to_owned(),
            key_prefix: key.key_prefix.clone(),
            metadata: key.metadata.to_value(),
            created_by: key.created_by.to_string(),
            service_account_id: key.service_account_id.map(|id| id.to_string()),
            last_used_ip: key.usage.last_used_ip.clone(),
            last_used_user_agent: key.usage.last_used_user_agent.clone(),
            rate_limits: rate_limits_body(&key.limits.rate_limits),
            credits: credits_body(key.limits.credits.as_ref()),
        }
    }
}

/// One page of keys, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyPage {
    pub items: Vec<ApiKeyData>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(example = "cur_0197c0f195897990b4214b806f637b0c")]
    pub next_cursor: Option<String>,
}

/// The fields to change; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdateApiKeyRequest {
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub label: Option<String>,
    #[schema(max_length = 1000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<String>,
    #[schema(value_type = Option<Vec<ScopeName>>)]
    pub scopes: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<IpAllowListEntry>>, max_items = 100)]
    pub ip_allow_list: Option<Vec<String>>,
    /// A future time, or null to remove the expiry.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<Timestamp>)]
    pub expires_at: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Replaces the rate limits; `[]` removes them.
    #[schema(max_items = 10)]
    pub rate_limits: Option<Vec<RateLimitBody>>,
    /// Replaces the credits and sets their balance; null removes them.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<CreditsBody>)]
    pub credits: Option<Option<CreditsBody>>,
}

/// Tells an explicit `null` (Some(None)) from an absent field (None).
fn present_or_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    de: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(de).map(Some)
}

/// How long the old secret keeps working after a rotation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateApiKeyRequest {
    /// Seconds, 0–604800 (7 days). Absent or 0: the old secret stops at once.
    #[schema(minimum = 0, maximum = 604800, example = 3600)]
    #[serde(default, deserialize_with = "crate::whole_number::optional")]
    pub grace_period_seconds: Option<u64>,
}

/// The rotated key and its new secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedApiKeyData {
    #[serde(flatten)]
    pub key: ApiKeyData,
    /// The new plaintext key. Store it now.
    pub secret: String,
    /// When the previous secret stops working.
    #[schema(format = "mysql-date-time")]
    pub previous_secret_expires_at: String,
}

/// A key to check, as a gateway received it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyApiKeyRequest {
    /// The presented key.
    #[schema(example = "sk_live_3yQm…")]
    pub key: String,
    /// Scopes the request needs; all must be held.
    #[schema(value_type = Option<Vec<ScopeName>>)]
    pub required_scopes: Option<Vec<String>>,
    /// The end client's IP, checked against the key's allow list. Absent:
    /// the address of whoever calls verify.
    #[schema(value_type = Option<IpAddress>, example = "203.0.113.7")]
    pub ip: Option<String>,
    /// Units of the key's rate limits and credits to spend: default 1; 0
    /// checks without spending.
    #[schema(example = 1, minimum = 0, maximum = 1000000000000000_i64)]
    #[serde(default, deserialize_with = "crate::whole_number::optional_signed")]
    pub cost: Option<i64>,
}

// Borrows the cached key: verify is the hot path, so nothing is copied to answer it.
/// The verdict. Only a valid key's details are returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationData<'a> {
    pub valid: bool,
    /// `VALID`, `NOT_FOUND`, `MALFORMED`, `EXPIRED`, `REVOKED`,
    /// `FORBIDDEN_IP`, `INSUFFICIENT_SCOPE`, `ORGANIZATION_DEACTIVATED`,
    /// `RATE_LIMITED` or `USAGE_EXCEEDED`.
    #[schema(value_type = String, example = "VALID")]
    pub code: &'static str,
    #[schema(value_type = Option<String>, example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub key_id: Option<ApiKeyId>,
    #[schema(value_type = Option<String>, example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub organization_id: Option<OrganizationId>,
    #[schema(value_type = Option<String>, example = "live")]
    pub environment: Option<&'static str>,
    #[schema(value_type = Option<Vec<ScopeName>>)]
    pub scopes: Option<ScopeNames<'a>>,
    #[schema(format = "mysql-date-time")]
    pub expires_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<&'a serde_json::Map<String, serde_json::Value>>,
    /// For a valid key that was reported leaked but only flagged
    /// (`secret_scanning.on_leak = "flag"`): when. Absent otherwise; rotate
    /// the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "mysql-date-time")]
    pub leaked_at: Option<String>,
    /// For a key with rate limits (its own, then its service account's):
    /// where each stands after this request. Absent for a key without.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<Vec<LimitStateData>>,
    /// For a key with credits (or whose service account has them): what is
    /// left after this request. Absent for a key without.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 999)]
    pub credits: Option<u64>,
}

/// A key's scopes, written as a JSON array of names without collecting them.
#[derive(Debug)]
pub struct ScopeNames<'a>(&'a ScopeSet);

impl Serialize for ScopeNames<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|s| s.as_str()))
    }
}

impl<'a> VerificationData<'a> {
    /// With the state of the key's limits, when it has any.
    pub fn with_usage(mut self, usage: Option<&UsageReport>) -> Self {
        if let Some(usage) = usage {
            self.rate_limits = (!usage.rate_limits.is_empty()).then(|| limit_states(usage));
            self.credits = usage.credits;
        }
        self
    }

    pub fn new(code: sesame_domain::VerificationCode, key: Option<&'a ApiKey>) -> Self {
        Self {
            valid: code == sesame_domain::VerificationCode::Valid,
            code: code.as_str(),
            key_id: key.map(|k| k.id),
            organization_id: key.map(|k| k.organization_id),
            environment: key.map(|k| k.environment.as_str()),
            scopes: key.map(|k| ScopeNames(&k.scopes)),
            expires_at: key.and_then(|k| time_format::format_opt(k.expires_at.map(|e| e.at()))),
            metadata: key.map(|k| k.metadata.as_map()),
            leaked_at: key.and_then(|k| time_format::format_opt(k.leaked_at)),
            rate_limits: None,
            credits: None,
        }
    }
}
