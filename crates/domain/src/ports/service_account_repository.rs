use async_trait::async_trait;

use crate::{AuditEvent, Cursor, OrganizationId, PageLimit, ServiceAccount, ServiceAccountId};

use super::RepositoryError;

/// Stores service accounts.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait ServiceAccountRepository: Send + Sync {
    /// Stores a new service account with its audit event, in one transaction.
    ///
    /// # Errors
    /// `Conflict` if the id exists already.
    async fn insert(&self, account: &ServiceAccount, audit: &AuditEvent) -> Result<(), RepositoryError>;

    /// A service account of `organization_id`; one of another organization is `None`.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn get(
        &self,
        organization_id: &OrganizationId,
        id: &ServiceAccountId,
    ) -> Result<Option<ServiceAccount>, RepositoryError>;

    /// One page of an organization's service accounts, newest first.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn list(
        &self,
        organization_id: &OrganizationId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Vec<ServiceAccount>, RepositoryError>;
}
