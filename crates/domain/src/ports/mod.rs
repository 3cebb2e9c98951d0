//! The ports: what the application needs from the outside world. Adapters
//! (SeaORM, argon2, the OS) implement them in their own crates.

mod access_token_verifier;
mod api_key_repository;
mod audit_log;
mod cache_invalidations;
mod clock;
mod credit_ledger;
mod organization_repository;
mod rate_limit_store;
mod readiness;
mod report_signatures;
mod repository_error;
mod secret_generator;
mod secret_hasher;
mod service_account_repository;

pub use access_token_verifier::{
    looks_like_jwt, AccessTokenClaims, AccessTokenError, AccessTokenVerifier, NoAccessTokens,
};
pub use api_key_repository::{ApiKeyQuery, ApiKeyRepository, StatusFilter};
pub use audit_log::{AuditLog, AuditQuery};
pub use cache_invalidations::{Invalidation, InvalidationPublisher, InvalidationSubscriber};
pub use clock::Clock;
pub use credit_ledger::{CreditChange, CreditLedger};
pub use organization_repository::OrganizationRepository;
pub use rate_limit_store::{RateLimitCheck, RateLimitStore, RateLimitStoreError, SubjectLimit};
pub use readiness::{NotReady, ReadinessCheck};
pub use report_signatures::{ReportSignatures, SignatureError};
pub use repository_error::{RepositoryError, StorageUnavailable};
pub use secret_generator::{SecretGenerator, SecretMaterial};
pub use secret_hasher::{HashError, SecretHasher};
pub use service_account_repository::ServiceAccountRepository;

#[cfg(feature = "mocks")]
pub use access_token_verifier::MockAccessTokenVerifier;
#[cfg(feature = "mocks")]
pub use api_key_repository::MockApiKeyRepository;
#[cfg(feature = "mocks")]
pub use audit_log::MockAuditLog;
#[cfg(feature = "mocks")]
pub use cache_invalidations::{MockInvalidationPublisher, MockInvalidationSubscriber};
#[cfg(feature = "mocks")]
pub use clock::MockClock;
#[cfg(feature = "mocks")]
pub use credit_ledger::MockCreditLedger;
#[cfg(feature = "mocks")]
pub use organization_repository::MockOrganizationRepository;
#[cfg(feature = "mocks")]
pub use rate_limit_store::MockRateLimitStore;
#[cfg(feature = "mocks")]
pub use readiness::MockReadinessCheck;
#[cfg(feature = "mocks")]
pub use report_signatures::MockReportSignatures;
#[cfg(feature = "mocks")]
pub use secret_generator::MockSecretGenerator;
#[cfg(feature = "mocks")]
pub use secret_hasher::MockSecretHasher;
#[cfg(feature = "mocks")]
pub use service_account_repository::MockServiceAccountRepository;
