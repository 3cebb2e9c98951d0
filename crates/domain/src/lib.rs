//! Sesame's domain: API keys, scopes, organizations and the rules that bind
//! them, plus the ports (traits) the outer layers implement.
//!
//! Nothing here performs I/O or names a framework: adapters live in other
//! crates and depend on this one, never the reverse.

mod actor;
mod api_key;
mod api_key_id;
mod audit_event;
mod audit_event_id;
mod credits;
mod display_name;
mod environment;
mod expires_at;
mod gateway;
mod imported;
mod ip_allow_list;
mod key_description;
mod key_label;
mod leak;
mod metadata;
mod organization;
mod organization_id;
mod organization_name;
mod page;
mod prefixed_id;
mod principal;
mod rate_limit;
mod scope;
mod scope_set;
mod service_account;
mod token;
mod usage_limits;
mod verification;

pub mod ports;

pub use actor::{Actor, ParseActorError};
pub use api_key::{ApiKey, ApiKeyStatus, Credential, NewSecret, UsageMetrics, UsageRecord};
pub use api_key_id::ApiKeyId;
pub use audit_event::{AuditAction, AuditEvent};
pub use audit_event_id::AuditEventId;
pub use credits::{CreditBalance, Credits, CreditsError, Refill, RefillDue, RefillInterval, SpendOutcome};
pub use display_name::NameError;
pub use environment::{Environment, KeyKind, ParseEnvironmentError, ParseKeyKindError};
pub use expires_at::{parse_instant, ExpiresAt, ExpiresAtError, WIRE_FORMAT};
pub use gateway::{RouteRule, RouteRuleError, RouteRules, TrustedProxies, TrustedProxiesError};
pub use imported::{
    DigestAlgorithm, DigestEncoding, DigestError, ForeignToken, ImportedDigest, MAX_FOREIGN_TOKEN_LEN,
    MIN_FOREIGN_TOKEN_LEN,
};
pub use ip_allow_list::{IpAllowList, IpAllowListError};
pub use key_description::{KeyDescription, KeyDescriptionError};
pub use key_label::{KeyLabel, KeyLabelError};
pub use leak::{LeakLabel, OnLeak, ParseOnLeakError, ReportedToken};
pub use metadata::{Metadata, MetadataError};
pub use organization::{Organization, OrganizationStatus};
pub use organization_id::OrganizationId;
pub use organization_name::{OrganizationName, OrganizationNameError};
pub use page::{Cursor, CursorError, PageLimit, PageLimitError};
pub use prefixed_id::IdError;
pub use principal::{Forbidden, Principal};
pub use rate_limit::{RateLimit, RateLimitError, RateLimits, MAX_RATE_LIMITS};
pub use scope::{Scope, UnknownScope};
pub use scope_set::ScopeSet;
pub use service_account::{ServiceAccount, ServiceAccountId, ServiceAccountName};
pub use token::{ApiToken, LookupId, SecretBytes, SecretHash, TokenError, TOKEN_PATTERN};
pub use usage_limits::{LimitState, LimitSubject, UsageLimits};
pub use verification::VerificationCode;
