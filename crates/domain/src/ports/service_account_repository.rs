use async_trait::async_trait;

use crate::{ApiKey, AuditEvent, Cursor, OrganizationId, PageLimit, ServiceAccount, ServiceAccountId};

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

    /// Writes the account's limits (rate limits and credit refill; the
    /// balance only when credits are removed, else it is the ledger's) with
    /// its audit event, in one transaction.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn update_limits(&self, account: &ServiceAccount, audit: &AuditEvent) -> Result<(), RepositoryError>;

    /// The keys of the service account that are not revoked, in every
    /// environment.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn active_keys(
        &self,
        organization_id: &OrganizationId,
        id: &ServiceAccountId,
    ) -> Result<Vec<ApiKey>, RepositoryError>;

    /// Writes the account's `deleted_at` and each key's `revoked_at` and
    /// `updated_at`, with the audit events, in one transaction.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn delete(
        &self,
        account: &ServiceAccount,
        revoked_keys: &[ApiKey],
        audit: &[AuditEvent],
    ) -> Result<(), RepositoryError>;

    /// One page of an organization's service accounts that are not deleted,
    /// newest first.
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
