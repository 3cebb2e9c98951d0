//! The ports: what the application needs from the outside world. Adapters
//! (SeaORM, argon2, the OS) implement them in their own crates.

mod api_key_repository;
mod audit_log;
mod clock;
mod organization_repository;
mod repository_error;
mod secret_generator;
mod secret_hasher;

pub use api_key_repository::{ApiKeyQuery, ApiKeyRepository, StatusFilter};
pub use audit_log::{AuditLog, AuditQuery};
pub use clock::Clock;
pub use organization_repository::OrganizationRepository;
pub use repository_error::RepositoryError;
pub use secret_generator::{SecretGenerator, SecretMaterial};
pub use secret_hasher::{HashError, SecretHasher};

#[cfg(feature = "mocks")]
pub use api_key_repository::MockApiKeyRepository;
#[cfg(feature = "mocks")]
pub use audit_log::MockAuditLog;
#[cfg(feature = "mocks")]
pub use clock::MockClock;
#[cfg(feature = "mocks")]
pub use organization_repository::MockOrganizationRepository;
#[cfg(feature = "mocks")]
pub use secret_generator::MockSecretGenerator;
#[cfg(feature = "mocks")]
pub use secret_hasher::MockSecretHasher;
