use async_trait::async_trait;

use crate::{AuditEvent, Cursor, Environment, OrganizationId, PageLimit};

use super::RepositoryError;

/// One page of an organization's audit events, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditQuery {
    pub organization_id: OrganizationId,
    /// Only events of actors of this environment.
    pub environment: Environment,
    pub after: Option<Cursor>,
    pub limit: PageLimit,
}

/// Reads the audit trail. Events are written by the repositories, inside the
/// transaction of the change they describe.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// # Errors
    /// `Unexpected` only.
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, RepositoryError>;
}
