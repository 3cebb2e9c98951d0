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
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl Organization {
    pub fn status(&self) -> OrganizationStatus {
        if self.deactivated_at.is_some() {
            OrganizationStatus::Deactivated
        } else {
            OrganizationStatus::Active
        }
    }
}
