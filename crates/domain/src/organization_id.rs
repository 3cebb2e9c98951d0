use crate::prefixed_id::prefixed_id;

prefixed_id!(
    /// Identifies an organization (a tenant): `org_<uuid v7>`.
    OrganizationId,
    "org_"
);
