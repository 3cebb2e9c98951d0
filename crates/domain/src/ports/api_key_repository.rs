use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    ApiKey, ApiKeyId, AuditEvent, Credential, Cursor, Environment, LookupId, NewSecret, OrganizationId, PageLimit,
    SecretHash, ServiceAccountId, UsageRecord,
};

use super::RepositoryError;

/// Which keys a listing returns, judged at `ApiKeyQuery::now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Active,
    Expired,
    Revoked,
}

/// One page of an organization's keys in one environment, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyQuery {
    pub organization_id: OrganizationId,
    pub environment: Environment,
    pub status: Option<StatusFilter>,
    /// Only the keys of this service account.
    pub service_account_id: Option<ServiceAccountId>,
    /// Return keys strictly older than this cursor's id.
    pub after: Option<Cursor>,
    pub limit: PageLimit,
    pub now: DateTime<Utc>,
}

/// Stores API keys and their hashed secrets.
///
/// Every method that changes a key takes the audit event describing the
/// change and MUST write both in one transaction, or neither.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a new key with its first secret.
    ///
    /// # Errors
    /// `Conflict` if the id or the secret's lookup id exists already.
    async fn insert(&self, key: &ApiKey, secret: &NewSecret, audit: &AuditEvent) -> Result<(), RepositoryError>;

    /// Finds the secret a token's lookup id names, with its key and the
    /// owning organization's status, through an index (never a scan).
    ///
    /// # Errors
    /// `Unexpected` only; an unknown lookup id is `Ok(None)`.
    async fn find_credential(&self, lookup: &LookupId) -> Result<Option<Credential>, RepositoryError>;

    /// As [`ApiKeyRepository::find_credential`], for a token stored at one
    /// of several lookup ids (an imported key: the digests' lookup ids), in
    /// one read through the same index.
    ///
    /// # Errors
    /// `Unexpected` only; no secret at any of them is `Ok(None)`.
    async fn find_credential_at_any(&self, lookups: &[LookupId]) -> Result<Option<Credential>, RepositoryError>;

    /// Stores keys brought from another service, each with its secret and
    /// audit event, in one transaction: a key whose lookup id is taken
    /// already (imported before, or twice in `batch`) is skipped, the others
    /// stored. Returns, in `batch`'s order, whether each was stored.
    ///
    /// # Errors
    /// `Unexpected` only; then nothing of the batch is stored.
    async fn insert_imported(&self, batch: &[(ApiKey, NewSecret, AuditEvent)]) -> Result<Vec<bool>, RepositoryError>;

    /// A key of `organization_id`; a key of another organization is `None`.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn get(&self, organization_id: &OrganizationId, id: &ApiKeyId) -> Result<Option<ApiKey>, RepositoryError>;

    /// One page of keys, newest first, at most `query.limit` long.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn list(&self, query: &ApiKeyQuery) -> Result<Vec<ApiKey>, RepositoryError>;

    /// Writes the key's mutable fields (label, description, scopes, IP allow
    /// list, expiry, metadata, updated_at, revoked_at).
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn update(&self, key: &ApiKey, audit: &AuditEvent) -> Result<(), RepositoryError>;

    /// Sets the key's `revoked_at` and `updated_at` to `key`'s, and writes
    /// `audit`, in one transaction, only if the stored key is not revoked
    /// yet: of concurrent revocations exactly one changes the row and
    /// records the event. Returns whether this one did.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn revoke(&self, key: &ApiKey, audit: &AuditEvent) -> Result<bool, RepositoryError>;

    /// Records a reported leak of the key, in one transaction with `audit`,
    /// only if the stored key has no `leaked_at` yet: sets `leaked_at` and
    /// `updated_at` to `key`'s, and `revoked_at` to `key`'s unless the stored
    /// key is revoked already (its first revocation stands). Of replayed or
    /// concurrent reports exactly one changes the row and records the event.
    /// Returns whether this one did.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn mark_leaked(&self, key: &ApiKey, audit: &AuditEvent) -> Result<bool, RepositoryError>;

    /// Adds `secret` as the key's current secret and makes every older secret
    /// of the key stop working at `old_secrets_expire_at` (or earlier, if it
    /// was already due to). Also writes the key's new prefix and updated_at.
    ///
    /// # Errors
    /// `Conflict` if the new lookup id exists already.
    async fn rotate(
        &self,
        key: &ApiKey,
        secret: &NewSecret,
        old_secrets_expire_at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<(), RepositoryError>;

    /// Replaces the hash of the secret `lookup` names by `new`, and moves
    /// the secret to `new_lookup` (the same for all but an imported digest's
    /// first rehash), only if the stored hash is still `old`: a rehash never
    /// overwrites a change that committed since `old` was read (another
    /// instance's rehash). Touches nothing else of the secret or its key,
    /// and writes no audit event (the secret itself is unchanged). Returns
    /// whether this call changed it.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn replace_hash(
        &self,
        lookup: &LookupId,
        old: &SecretHash,
        new_lookup: &LookupId,
        new: &SecretHash,
    ) -> Result<bool, RepositoryError>;

    /// Adds a batch of usage to the stored totals, in one statement per key
    /// at most, and one transaction.
    ///
    /// # Errors
    /// `Unexpected` only.
    async fn record_usage(&self, batch: &[UsageRecord]) -> Result<(), RepositoryError>;
}
