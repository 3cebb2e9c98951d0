use crate::prefixed_id::prefixed_id;

prefixed_id!(
    /// Identifies an audit event: `audit_<uuid v7>`.
    AuditEventId,
    "audit_"
);
