use chrono::{DateTime, Utc};

use crate::display_name::display_name;
use crate::prefixed_id::prefixed_id;
use crate::{Actor, KeyDescription, OrganizationId};

prefixed_id!(
    /// Identifies a service account: `svc_<uuid v7>`.
    ServiceAccountId,
    "svc_"
);

display_name!(
    /// A service account's name: 1–255 characters once trimmed.
    ServiceAccountName
);

/// A named non-human principal of an organization (a backend, a CI job, a
/// partner integration). Keys may belong to one, so that "which keys does
/// the billing worker hold?" has an answer, and its keys can be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: ServiceAccountId,
    pub organization_id: OrganizationId,
    pub name: ServiceAccountName,
    pub description: KeyDescription,
    /// Who created it.
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
    /// Set once deleted: its keys were revoked with it, and no key may
    /// join it any more.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Rate limits and credits shared by all its keys.
    pub limits: crate::UsageLimits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_account_id_round_trips_with_its_prefix() {
        let id = ServiceAccountId::generate();
        let text = id.to_string();
        assert!(text.starts_with("svc_"));
        assert_eq!(text.parse::<ServiceAccountId>().unwrap(), id);
    }

    #[test]
    fn a_key_id_is_not_a_service_account_id() {
        assert!("api_key_0197c0f1-9589-7990-b421-4b806f637b0c".parse::<ServiceAccountId>().is_err());
    }
}
