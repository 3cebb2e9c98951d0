use serde::{Deserialize, Serialize};
use sesame_domain::{Organization, OrganizationStatus};
use utoipa::ToSchema;

use super::api_keys::CreatedApiKeyData;
use crate::time_format;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRequest {
    /// Display name, 1–255 characters.
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        example = "Acme Corp"
    )]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationData {
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    pub name: String,
    /// The organization that created this one, if any.
    pub parent_id: Option<String>,
    /// `active` or `deactivated`.
    #[schema(example = "active")]
    pub status: String,
    #[schema(format = "mysql-date-time")]
    pub created_at: String,
    #[schema(format = "mysql-date-time")]
    pub updated_at: Option<String>,
    #[schema(format = "mysql-date-time")]
    pub deactivated_at: Option<String>,
}

impl OrganizationData {
    pub fn new(org: &Organization) -> Self {
        Self {
            id: org.id.to_string(),
            name: org.name.as_str().to_owned(),
            parent_id: org.parent_id.map(|p| p.to_string()),
            status: match org.status() {
                OrganizationStatus::Active => "active",
                OrganizationStatus::Deactivated => "deactivated",
            }
            .to_owned(),
            created_at: time_format::format(org.created_at),
            updated_at: time_format::format_opt(org.updated_at),
            deactivated_at: time_format::format_opt(org.deactivated_at),
        }
    }
}

/// A new organization and its first key; the key's secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedOrganizationData {
    pub organization: OrganizationData,
    pub api_key: CreatedApiKeyData,
}
