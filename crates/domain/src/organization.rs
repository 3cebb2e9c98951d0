use chrono::{DateTime, Utc};

use crate::{OrganizationId, OrganizationName};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationStatus {
    Active,
    Deactivated,
}

/// A tenant. Every key belongs to exactly one; no key sees another's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: OrganizationName,
    /// The organization whose key created this one, if any: it may read,
    /// rename and deactivate it (a platform managing its tenants).
    pub parent_id: Option<OrganizationId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl Organization {
    /// Whether a key of `organization_id` may see and manage this organization:
    /// its own, or one it created.
    pub fn is_visible_to(&self, organization_id: &OrganizationId) -> bool {
        self.id == *organization_id || self.parent_id.as_ref() == Some(organization_id)
    }

    pub fn status(&self) -> OrganizationStatus {
        if self.deactivated_at.is_some() {
            OrganizationStatus::Deactivated
        } else {
            OrganizationStatus::Active
        }
    }
}
