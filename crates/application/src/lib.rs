//! Sesame's use cases, grouped by feature. Each one holds the ports it needs
//! and exposes one async method taking a typed command; adapters call these,
//! never the ports directly.

pub mod api_keys;
pub mod audit_events;
pub mod authentication;
pub mod organizations;
pub mod service_accounts;
pub mod support;
pub mod usage;

// Transitional: the HTTP adapter still imports from the crate root while its
// own restructure lands; removed once every caller imports by path.
pub use api_keys::{
    CreateApiKey, CreateApiKeyCommand, CreateApiKeyError, CreatedApiKey, GetApiKey, KeyManagementError, ListApiKeys,
    ListApiKeysQuery, RevokeApiKey, RotateApiKey, RotateApiKeyCommand, RotatedApiKey, UpdateApiKey,
    UpdateApiKeyCommand, Verification, VerifyApiKey, VerifyApiKeyCommand, VerifyError, MAX_GRACE_PERIOD_SECS,
};
pub use audit_events::ListAuditEvents;
pub use authentication::{
    AccessTokenAuthenticationError, Authenticate, AuthenticateAccessToken, AuthenticationError, FailureLimiter,
    FailureLimits, Verified, VerifiedKeyCache,
};
pub use organizations::{
    ActInOrganization, Bootstrap, BootstrapError, Bootstrapped, CreateOrganization, CreatedOrganization,
    DeactivateOrganization, GetOrganization, OrganizationError, UpdateOrganization,
};
pub use service_accounts::{
    CreateServiceAccount, CreateServiceAccountCommand, DeleteServiceAccount, DeletedServiceAccount, GetServiceAccount,
    ListServiceAccounts, ServiceAccountError,
};
pub use support::{FieldError, ListError, Page, SecretIssuer, ValidationErrors};
pub use usage::UsageBuffer;

/// Boxed cause of an error no caller can act on; logged at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod test_support;
