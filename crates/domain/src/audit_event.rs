use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{Actor, AuditEventId, Environment, OrganizationId};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    ApiKeyCreated,
    /// A key brought from another key service (`POST /developers/api_keys/import`).
    ApiKeyImported,
    ApiKeyUpdated,
    ApiKeyRotated,
    ApiKeyRevoked,
    /// A secret-scanning partner reported one of the key's tokens as published.
    ApiKeyLeaked,
    ApiKeyCreditsChanged,
    OrganizationCreated,
    OrganizationUpdated,
    OrganizationDeactivated,
    ServiceAccountCreated,
    ServiceAccountUpdated,
    ServiceAccountDeleted,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyImported => "api_key.imported",
            AuditAction::ApiKeyUpdated => "api_key.updated",
            AuditAction::ApiKeyRotated => "api_key.rotated",
            AuditAction::ApiKeyRevoked => "api_key.revoked",
            AuditAction::ApiKeyLeaked => "api_key.leaked",
            AuditAction::ApiKeyCreditsChanged => "api_key.credits_changed",
            AuditAction::OrganizationCreated => "organization.created",
            AuditAction::OrganizationUpdated => "organization.updated",
            AuditAction::OrganizationDeactivated => "organization.deactivated",
            AuditAction::ServiceAccountCreated => "service_account.created",
            AuditAction::ServiceAccountUpdated => "service_account.updated",
            AuditAction::ServiceAccountDeleted => "service_account.deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AuditAction::ApiKeyCreated,
            AuditAction::ApiKeyImported,
            AuditAction::ApiKeyUpdated,
            AuditAction::ApiKeyRotated,
            AuditAction::ApiKeyRevoked,
            AuditAction::ApiKeyLeaked,
            AuditAction::ApiKeyCreditsChanged,
            AuditAction::OrganizationCreated,
            AuditAction::OrganizationUpdated,
            AuditAction::OrganizationDeactivated,
            AuditAction::ServiceAccountCreated,
            AuditAction::ServiceAccountUpdated,
            AuditAction::ServiceAccountDeleted,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// One change, written in the same transaction as the change itself.
/// `before` and `after` hold only the fields that changed, never a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub organization_id: OrganizationId,
    /// Who made the change.
    pub actor: Actor,
    /// The actor's environment: test keys read only what test keys did.
    pub environment: Environment,
    pub action: AuditAction,
    pub target_id: String,
    pub ip: Option<String>,
    pub before: Value,
    pub after: Value,
    pub occurred_at: DateTime<Utc>,
}
