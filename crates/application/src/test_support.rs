//! Builders shared by the use cases' unit tests.

use crate::authentication::authenticate::Authenticate;
use crate::authentication::failure_limiter::{FailureLimiter, FailureLimits};
use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::secret_issuer::SecretIssuer;
use crate::usage::UsageBuffer;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use sesame_domain::ports::{
    ApiKeyRepository, MockApiKeyRepository, MockClock, MockSecretGenerator, MockSecretHasher, SecretMaterial,
};
use sesame_domain::{
    Actor, ApiKey, ApiKeyId, ApiToken, Credential, Environment, IpAllowList, KeyDescription, KeyKind, KeyLabel,
    LookupId, Metadata, OrganizationId, OrganizationStatus, Principal, ScopeSet, SecretBytes, SecretHash, UsageMetrics,
};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

pub fn token() -> ApiToken {
    ApiToken::new(KeyKind::Secret, Environment::Live, LookupId::from_bytes([1; 16]), SecretBytes::from_bytes([2; 32]))
}

pub fn organization_id() -> OrganizationId {
    "org_0197c0f1-9589-7990-b421-4b806f637b0c".parse().unwrap()
}

pub fn active_key() -> ApiKey {
    ApiKey {
        id: ApiKeyId::generate(),
        organization_id: organization_id(),
        label: KeyLabel::parse("root").unwrap(),
        description: KeyDescription::default(),
        scopes: ScopeSet::all(),
        ip_allow_list: IpAllowList::default(),
        expires_at: None,
        environment: Environment::Live,
        kind: KeyKind::Secret,
        metadata: Metadata::default(),
        service_account_id: None,
        created_by: Actor::bootstrap(),
        created_at: now(),
        updated_at: None,
        revoked_at: None,
        leaked_at: None,
        key_prefix: token().display_prefix(),
        usage: UsageMetrics::default(),
        limits: sesame_domain::UsageLimits::default(),
    }
}

pub fn credential(key: ApiKey) -> Credential {
    Credential {
        key,
        secret_hash: SecretHash::new("$argon2id$stub".into()),
        secret_expires_at: None,
        organization_status: OrganizationStatus::Active,
        account_limits: sesame_domain::UsageLimits::default(),
    }
}

pub fn principal(scopes: &[&str]) -> Principal {
    Principal {
        actor: Actor::ApiKey(ApiKeyId::generate()),
        organization_id: organization_id(),
        environment: Environment::Live,
        kind: KeyKind::Secret,
        scopes: ScopeSet::parse(scopes).unwrap(),
        ip: None,
    }
}

/// A key holding no scope, which any caller with the right scope may manage.
pub fn unprivileged_key() -> ApiKey {
    ApiKey { scopes: ScopeSet::empty(), ..active_key() }
}

/// `Authenticate` over mocks, with a real cache and limiter.
pub fn authenticate_with(
    keys: MockApiKeyRepository,
    hasher: MockSecretHasher,
    clock: MockClock,
    limits: FailureLimits,
) -> (Authenticate, UsageBuffer) {
    let keys: Arc<dyn ApiKeyRepository> = Arc::new(keys);
    let usage = UsageBuffer::new(keys.clone(), 1000);
    let auth = Authenticate::new(
        keys,
        Arc::new(hasher),
        Arc::new(clock),
        usage.clone(),
        test_cache(),
        FailureLimiter::new(limits),
    );
    (auth, usage)
}

pub fn test_cache() -> VerifiedKeyCache {
    VerifiedKeyCache::new(100, std::time::Duration::from_secs(60), [0; 32])
}

/// A clock stopped at [`now`].
pub fn fixed_clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    clock
}

/// An issuer that always mints the same lookup id and secret, "hashed" to `hash`.
pub fn issuer_minting(lookup: [u8; 16], secret: [u8; 32], hash: &'static str) -> SecretIssuer {
    let mut generator = MockSecretGenerator::new();
    generator.expect_generate().returning(move || SecretMaterial {
        lookup: LookupId::from_bytes(lookup),
        secret: SecretBytes::from_bytes(secret),
    });
    let mut hasher = MockSecretHasher::new();
    hasher.expect_hash().returning(move |_| Ok(SecretHash::new(hash.into())));
    SecretIssuer::new(Arc::new(generator), Arc::new(hasher))
}

/// An organization created by `parent_id`'s keys (if any), deactivated or not.
pub fn tenant(parent_id: Option<OrganizationId>, deactivated: bool) -> sesame_domain::Organization {
    sesame_domain::Organization {
        id: OrganizationId::generate(),
        name: sesame_domain::OrganizationName::parse("Tenant").unwrap(),
        parent_id,
        created_at: now(),
        updated_at: None,
        deactivated_at: deactivated.then(now),
    }
}
