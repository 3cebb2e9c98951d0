use async_trait::async_trait;

use crate::{ApiKey, AuditEvent, NewSecret, Organization, OrganizationId};

use super::RepositoryError;

/// Stores organizations (tenants).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait OrganizationRepository: Send + Sync {
    /// Stores a new organization together with its first key, and the audit
    /// events of both, in one transaction.
    ///
    /// # Errors
    /// `Conflict` if an id or lookup id exists already.
    async fn insert_with_key(
        &self,
        organization: &Organization,
        first_key: &ApiKey,
        secret: &NewSecret,
        audit: &[AuditEvent],
    ) -> Result<(), RepositoryError>;

    /// # Errors
    /// `Unexpected` only; an unknown id is `Ok(None)`.
    async fn get(&self, id: &OrganizationId) -> Result<Option<Organization>, RepositoryError>;

    /// Writes the name, updated_at and deactivated_at, with the audit event.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn update(&self, organization: &Organization, audit: &AuditEvent) -> Result<(), RepositoryError>;

    /// Every organization below `id`: those it created, those they created,
    /// and so on, whatever their status.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn descendants(&self, id: &OrganizationId) -> Result<Vec<Organization>, RepositoryError>;

    /// Writes each organization as `update` does, and every audit event, in
    /// one transaction: a deactivation and the cascade it causes land
    /// together or not at all.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn update_all(&self, organizations: &[Organization], audit: &[AuditEvent]) -> Result<(), RepositoryError>;

    /// Whether any organization exists (the bootstrap runs only on none).
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn any_exists(&self) -> Result<bool, RepositoryError>;
}
