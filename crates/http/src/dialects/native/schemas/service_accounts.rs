use serde::{Deserialize, Serialize};
use sesame_domain::ServiceAccount;
use utoipa::ToSchema;

use super::limits::{credits_body, rate_limits_body, CreditsBody, RateLimitBody};
use crate::time_format;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountRequest {
    /// 1–255 characters.
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        example = "billing-worker"
    )]
    pub name: String,
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$",
        example = "Charges invoices every night"
    )]
    pub description: Option<String>,
    /// Rate limits shared by all the account's keys.
    #[schema(max_items = 10)]
    pub rate_limits: Option<Vec<RateLimitBody>>,
    /// Credits shared by all the account's keys; absent: unlimited.
    pub credits: Option<CreditsBody>,
}

/// New limits for a service account; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceAccountLimitsRequest {
    /// Replaces the rate limits; `[]` removes them.
    #[schema(max_items = 10)]
    pub rate_limits: Option<Vec<RateLimitBody>>,
    /// Replaces the credits and sets their balance; null removes them.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<CreditsBody>)]
    pub credits: Option<Option<CreditsBody>>,
}

/// Tells an explicit `null` (Some(None)) from an absent field (None).
fn present_or_null<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Option<CreditsBody>>, D::Error> {
    Option::<CreditsBody>::deserialize(de).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountData {
    #[schema(example = "svc_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub organization_id: String,
    pub name: String,
    pub description: String,
    /// The key or access token that created it.
    pub created_by: String,
    #[schema(format = "mysql-date-time")]
    pub created_at: String,
    /// Set once deleted; its keys were revoked with it.
    #[schema(format = "mysql-date-time")]
    pub deleted_at: Option<String>,
    /// Rate limits shared by all its keys; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rate_limits: Vec<RateLimitBody>,
    /// Credits shared by all its keys, as last read; absent when unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<CreditsBody>,
}

impl ServiceAccountData {
    pub fn new(account: &ServiceAccount) -> Self {
        Self {
            id: account.id.to_string(),
            organization_id: account.organization_id.to_string(),
            name: account.name.as_str().to_owned(),
            description: account.description.as_str().to_owned(),
            created_by: account.created_by.to_string(),
            created_at: time_format::format(account.created_at),
            deleted_at: time_format::format_opt(account.deleted_at),
            rate_limits: rate_limits_body(&account.limits.rate_limits),
            credits: credits_body(account.limits.credits.as_ref()),
        }
    }
}

/// A deleted service account and the keys revoked with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedServiceAccountData {
    #[serde(flatten)]
    pub account: ServiceAccountData,
    /// The ids of the keys this deletion revoked (none when it was already deleted).
    pub revoked_key_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountPage {
    pub items: Vec<ServiceAccountData>,
    #[schema(example = "cur_0197c0f195897990b4214b806f637b0c")]
    pub next_cursor: Option<String>,
}
