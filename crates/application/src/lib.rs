//! Sesame's use cases. Each one holds the ports it needs and exposes one
//! async method taking a typed command; adapters call these, never the ports
//! directly.

mod audit;
mod authenticate;
mod bootstrap;
mod create_api_key;
mod key_fields;
mod onboarding;
mod secret_issuer;
mod usage_buffer;
mod validation;

pub use authenticate::{Authenticate, AuthenticationError, Verified};
pub use bootstrap::{Bootstrap, BootstrapError, Bootstrapped, BOOTSTRAP_ACTOR};
pub use create_api_key::{CreateApiKey, CreateApiKeyCommand, CreateApiKeyError, CreatedApiKey};
pub use secret_issuer::SecretIssuer;
pub use usage_buffer::UsageBuffer;
pub use validation::{FieldError, ValidationErrors};

/// Boxed cause of an error no caller can act on; logged at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod test_support;
