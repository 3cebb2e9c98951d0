use chrono::{DateTime, Utc};

use crate::{
    Actor, ApiKeyId, Environment, ExpiresAt, IpAllowList, KeyDescription, KeyKind, KeyLabel, LookupId, Metadata,
    OrganizationId, OrganizationStatus, ScopeSet, SecretHash, ServiceAccountId, UsageLimits,
};

/// Where a key stands at a given instant. Revocation wins over expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyStatus {
    Active,
    Expired,
    Revoked,
}

impl ApiKeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyStatus::Active => "active",
            ApiKeyStatus::Expired => "expired",
            ApiKeyStatus::Revoked => "revoked",
        }
    }
}

/// How much a key has been used. Counted in memory and written in batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageMetrics {
    pub total_requests: u64,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    pub last_used_user_agent: Option<String>,
}

/// An API key as Sesame stores it, without its secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub organization_id: OrganizationId,
    pub label: KeyLabel,
    pub description: KeyDescription,
    pub scopes: ScopeSet,
    pub ip_allow_list: IpAllowList,
    pub expires_at: Option<ExpiresAt>,
    pub environment: Environment,
    pub kind: KeyKind,
    pub metadata: Metadata,
    /// The service account the key belongs to, if any.
    pub service_account_id: Option<ServiceAccountId>,
    /// Who issued the key.
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a secret-scanning partner (GitHub) first reported one of the
    /// key's tokens as published; the key is revoked then, or only flagged
    /// (`secret_scanning.on_leak`). Set once, never cleared.
    pub leaked_at: Option<DateTime<Utc>>,
    /// A short, non-secret prefix of the current token, for display.
    pub key_prefix: String,
    pub usage: UsageMetrics,
    /// Rate limits and credits; empty for most keys.
    pub limits: UsageLimits,
}

impl ApiKey {
    pub fn status(&self, now: DateTime<Utc>) -> ApiKeyStatus {
        if self.revoked_at.is_some() {
            ApiKeyStatus::Revoked
        } else if self.expires_at.is_some_and(|e| e.has_passed(now)) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        }
    }
}

/// A freshly hashed secret to store beside its key.
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub lookup: LookupId,
    pub hash: SecretHash,
    pub created_at: DateTime<Utc>,
}

/// What a token's lookup id finds: the key, the hash to check the presented
/// secret against, and everything else verification needs, in one read.
#[derive(Debug, Clone)]
pub struct Credential {
    pub key: ApiKey,
    pub secret_hash: SecretHash,
    /// Set on a superseded secret during a rotation's grace period.
    pub secret_expires_at: Option<DateTime<Utc>>,
    pub organization_status: OrganizationStatus,
    /// The limits of the key's service account, shared by all its keys.
    pub account_limits: UsageLimits,
}

/// Usage of one key since the last flush, to be added to the stored totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord {
    pub key_id: ApiKeyId,
    pub requests: u64,
    pub last_used_at: DateTime<Utc>,
    pub last_used_ip: Option<std::net::IpAddr>,
    pub last_used_user_agent: Option<String>,
}
