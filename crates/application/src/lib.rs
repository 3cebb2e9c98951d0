//! Sesame's use cases. Each one holds the ports it needs and exposes one
//! async method taking a typed command; adapters call these, never the ports
//! directly.

mod act_in_organization;
mod audit;
mod authenticate;
mod authenticate_access_token;
mod bootstrap;
mod create_api_key;
mod create_organization;
mod deactivate_organization;
mod failure_limiter;
mod get_api_key;
mod get_organization;
mod key_access;
mod key_fields;
mod list_api_keys;
mod list_audit_events;
mod onboarding;
mod organization_access;
mod paging;
mod revoke_api_key;
mod rotate_api_key;
mod secret_issuer;
mod service_accounts;
mod update_api_key;
mod update_organization;
mod usage_buffer;
mod validation;
mod verified_key_cache;
mod verify_api_key;

pub use act_in_organization::ActInOrganization;
pub use authenticate::{Authenticate, AuthenticationError, Verified};
pub use authenticate_access_token::{AccessTokenAuthenticationError, AuthenticateAccessToken};
pub use bootstrap::{Bootstrap, BootstrapError, Bootstrapped, BOOTSTRAP_ACTOR};
pub use create_api_key::{CreateApiKey, CreateApiKeyCommand, CreateApiKeyError, CreatedApiKey};
pub use create_organization::{CreateOrganization, CreatedOrganization};
pub use deactivate_organization::DeactivateOrganization;
pub use failure_limiter::{FailureLimiter, FailureLimits};
pub use get_api_key::GetApiKey;
pub use get_organization::GetOrganization;
pub use key_access::KeyManagementError;
pub use list_api_keys::{ListApiKeys, ListApiKeysQuery};
pub use list_audit_events::ListAuditEvents;
pub use organization_access::OrganizationError;
pub use paging::{ListError, Page};
pub use revoke_api_key::RevokeApiKey;
pub use rotate_api_key::{RotateApiKey, RotateApiKeyCommand, RotatedApiKey, MAX_GRACE_PERIOD_SECS};
pub use secret_issuer::SecretIssuer;
pub use service_accounts::{CreateServiceAccountCommand, DeletedServiceAccount, ServiceAccountError, ServiceAccounts};
pub use update_api_key::{UpdateApiKey, UpdateApiKeyCommand};
pub use update_organization::UpdateOrganization;
pub use usage_buffer::UsageBuffer;
pub use validation::{FieldError, ValidationErrors};
pub use verified_key_cache::VerifiedKeyCache;
pub use verify_api_key::{Verification, VerifyApiKey, VerifyApiKeyCommand, VerifyError};

/// Boxed cause of an error no caller can act on; logged at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod test_support;
