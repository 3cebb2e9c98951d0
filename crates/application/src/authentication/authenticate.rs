use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use derive_new::new;
use sesame_domain::ports::{ApiKeyRepository, Clock, SecretHasher};
use sesame_domain::{
    Actor, ApiKey, ApiKeyStatus, ApiToken, Credential, ForeignToken, ImportedDigest, LookupId, OrganizationStatus,
    Principal, ScopeSet, SecretBytes, SecretHash, VerificationCode,
};
use thiserror::Error;
use tokio::sync::OnceCell;

use super::check_metrics::CheckMetrics;
use super::failure_limiter::FailureLimiter;
use super::rehash::RehashQueue;
use super::verified_key_cache::{VerifiedCredential, VerifiedKeyCache};
use crate::limits::{LimitError, UsageLimiter, UsageRejection};
use crate::usage::UsageBuffer;
use crate::Unexpected;

#[derive(Debug, Error)]
pub enum AuthenticationError {
    /// The key does not authenticate, for the reason the code gives.
    #[error("the key was rejected: {}", .0.as_str())]
    Rejected(VerificationCode),
    /// Too many failed attempts for this key id or from this IP; no hashing
    /// was done. Retry after the given time.
    #[error("too many failed attempts; retry in {} s", .retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    /// The key checked out but is over one of its usage limits.
    #[error("the key is over a usage limit: {}", .0.code.as_str())]
    OverLimit(Box<UsageRejection>),
    #[error("authentication failed unexpectedly")]
    Unexpected(#[source] Unexpected),
}

impl From<LimitError> for AuthenticationError {
    fn from(err: LimitError) -> Self {
        match err {
            LimitError::Rejected(rejection) => AuthenticationError::OverLimit(rejection),
            LimitError::Unexpected(e) => AuthenticationError::Unexpected(e),
        }
    }
}

/// A key that checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub credential: Arc<VerifiedCredential>,
    /// When the checks ran: the time its use is recorded at.
    pub checked_at: DateTime<Utc>,
}

impl Verified {
    pub fn key(&self) -> &ApiKey {
        &self.credential.key
    }

    /// The principal the key stands for, calling from `ip`. Built on
    /// demand: `verify` answers without one, so the hot path does not copy
    /// the scope set.
    pub fn principal(&self, ip: Option<IpAddr>) -> Principal {
        let key = &self.credential.key;
        Principal {
            actor: Actor::ApiKey(key.id),
            organization_id: key.organization_id,
            environment: key.environment,
            kind: key.kind,
            scopes: key.scopes.clone(),
            ip,
        }
    }
}

/// Checks a presented token: first the cache of recently verified tokens;
/// on a miss, its shape and checksum, the failure budget, the stored
/// argon2id hash; then, cached or not, status, organization, IP allow list
/// and scopes. Used both to authenticate requests and to answer `verify`
/// for gateways.
#[derive(Clone, new)]
pub struct Authenticate {
    keys: Arc<dyn ApiKeyRepository>,
    hasher: Arc<dyn SecretHasher>,
    clock: Arc<dyn Clock>,
    usage: UsageBuffer,
    cache: VerifiedKeyCache,
    limiter: FailureLimiter,
    /// A hash of no real secret: unknown lookup ids are verified against it so
    /// they cost what known ones cost, and timing reveals nothing.
    #[new(default)]
    decoy: Arc<OnceCell<SecretHash>>,
    #[new(value = "CheckMetrics::register()")]
    metrics: CheckMetrics,
    /// Rate limits and credits, spent after the key checked out.
    #[new(default)]
    limits: UsageLimiter,
    /// One turn per presented token for the uncached path: concurrent first
    /// requests with one key wait for the first's verdict and then find it
    /// cached, instead of each hashing (and each holding a unit of the
    /// failure budget).
    #[new(value = "cold_turns()")]
    cold_turns: moka::sync::Cache<[u8; 32], Arc<tokio::sync::Mutex<()>>>,
    /// Fresh hashes for secrets that matched an outdated one.
    #[new(default)]
    rehash: RehashQueue,
}

fn cold_turns() -> moka::sync::Cache<[u8; 32], Arc<tokio::sync::Mutex<()>>> {
    moka::sync::Cache::builder().max_capacity(100_000).time_to_idle(Duration::from_secs(60)).build()
}

/// A presented token, parsed: Sesame's own, or perhaps one of a key
/// imported from another service, found by its digest.
enum Presented {
    Native(ApiToken),
    Imported(ForeignToken),
}

impl Presented {
    /// `None` for text that can be neither (too short, spaces, …).
    fn parse(raw: &str) -> Option<Self> {
        match ApiToken::parse(raw) {
            Ok(token) => Some(Presented::Native(token)),
            Err(_) => ForeignToken::digest(raw).map(Presented::Imported),
        }
    }

    /// Where its key is stored (an imported SHA-512 digest's key aside,
    /// until its first verify).
    fn lookup(&self) -> LookupId {
        match self {
            Presented::Native(token) => token.lookup(),
            Presented::Imported(token) => token.lookup(),
        }
    }

    /// What the hash schemes hash for it.
    fn secret(&self) -> SecretBytes {
        match self {
            Presented::Native(token) => token.secret().clone(),
            Presented::Imported(token) => token.secret(),
        }
    }
}

/// The checks that follow a hash match, cached or not.
fn evaluate(
    credential: &Arc<VerifiedCredential>,
    now: DateTime<Utc>,
    ip: Option<IpAddr>,
    required: &ScopeSet,
) -> Result<Verified, VerificationCode> {
    let key = &credential.key;
    match key.status(now) {
        ApiKeyStatus::Revoked => return Err(VerificationCode::Revoked),
        ApiKeyStatus::Expired => return Err(VerificationCode::Expired),
        ApiKeyStatus::Active => {}
    }
    if credential.secret_expires_at.is_some_and(|at| at <= now) {
        return Err(VerificationCode::Expired);
    }
    if credential.organization_status == OrganizationStatus::Deactivated {
        return Err(VerificationCode::OrganizationDeactivated);
    }
    // A request whose peer is unknown cannot satisfy a restricted key.
    let ip_allowed = match ip {
        Some(ip) => key.ip_allow_list.allows(ip),
        None => key.ip_allow_list.is_unrestricted(),
    };
    if !ip_allowed {
        return Err(VerificationCode::ForbiddenIp);
    }
    if !required.missing_from(&key.scopes).is_empty() {
        return Err(VerificationCode::InsufficientScope);
    }
    Ok(Verified { credential: credential.clone(), checked_at: now })
}

impl Authenticate {
    /// With `limits` spent by [`Authenticate::execute`] and by verify.
    #[must_use]
    pub fn with_limits(mut self, limits: UsageLimiter) -> Self {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> &UsageLimiter {
        &self.limits
    }

    /// The clock's time, for a caller spending limits after a check.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Checks `raw` as presented from `ip`, requiring `required` scopes,
    /// spends one unit of the key's usage limits, and counts one use of the
    /// key when it is valid.
    ///
    /// # Errors
    /// `Rejected` with the first failed check; `RateLimited`; `OverLimit`.
    pub async fn execute(
        &self,
        raw: &str,
        ip: Option<IpAddr>,
        user_agent: Option<&str>,
        required: &ScopeSet,
    ) -> Result<Verified, AuthenticationError> {
        let verified = self.check(raw, ip, required).await?;
        if UsageLimiter::applies_to(&verified.credential) {
            self.limits.admit(&verified.credential, 1, self.clock.now()).await?;
        }
        self.record_use(&verified, ip, user_agent);
        Ok(verified)
    }

    /// Counts one use of a key that [`Authenticate::check`] accepted.
    pub fn record_use(&self, verified: &Verified, ip: Option<IpAddr>, user_agent: Option<&str>) {
        self.usage.record(verified.key().id, verified.checked_at, ip, user_agent);
    }

    /// As [`Authenticate::execute`], without counting a use.
    ///
    /// # Errors
    /// `Rejected` with the first failed check; `RateLimited`.
    pub async fn check(
        &self,
        raw: &str,
        ip: Option<IpAddr>,
        required: &ScopeSet,
    ) -> Result<Verified, AuthenticationError> {
        self.check_on_behalf(raw, ip, ip, required).await
    }

    /// As [`Authenticate::check`], for a caller (a gateway) asking about a
    /// key its own client presented: the key's IP allow list is checked
    /// against `client_ip`, while failures are charged to `caller_ip`, the
    /// address that really sent the request, so a caller can neither dodge
    /// its failure budget nor spend another address's by naming it.
    ///
    /// # Errors
    /// `Rejected` with the first failed check; `RateLimited`.
    pub async fn check_on_behalf(
        &self,
        raw: &str,
        client_ip: Option<IpAddr>,
        caller_ip: Option<IpAddr>,
        required: &ScopeSet,
    ) -> Result<Verified, AuthenticationError> {
        let result = self.check_uncounted(raw, client_ip, caller_ip, required).await;
        match &result {
            Ok(_) => self.metrics.judged(VerificationCode::Valid),
            Err(AuthenticationError::Rejected(code)) => self.metrics.judged(*code),
            Err(AuthenticationError::RateLimited { .. }) => self.metrics.rate_limited(),
            Err(AuthenticationError::OverLimit(rejection)) => self.metrics.judged(rejection.code),
            Err(AuthenticationError::Unexpected(_)) => self.metrics.failed(),
        }
        result
    }

    async fn check_uncounted(
        &self,
        raw: &str,
        client_ip: Option<IpAddr>,
        caller_ip: Option<IpAddr>,
        required: &ScopeSet,
    ) -> Result<Verified, AuthenticationError> {
        let now = self.clock.now();
        // A cached token parsed before: skip the base58 decode on the hot path.
        let credential = match self.cache.get(raw) {
            Some(credential) => credential,
            None => {
                let Some(presented) = Presented::parse(raw) else {
                    return Err(AuthenticationError::Rejected(VerificationCode::Malformed));
                };
                let turn = self.cold_turns.get_with(self.cache.digest(raw), Arc::default);
                let _turn = turn.lock().await;
                match self.cache.get(raw) {
                    Some(credential) => credential,
                    None => self.check_cold(raw, &presented, caller_ip).await?,
                }
            }
        };
        evaluate(&credential, now, client_ip, required).map_err(AuthenticationError::Rejected)
    }

    /// Storage and the stored hash: for tokens not in the cache.
    #[tracing::instrument(name = "authenticate_cold", skip_all, fields(key_id))]
    async fn check_cold(
        &self,
        raw: &str,
        presented: &Presented,
        ip: Option<IpAddr>,
    ) -> Result<Arc<VerifiedCredential>, AuthenticationError> {
        let lookup = presented.lookup();
        let refused = |retry_after| AuthenticationError::RateLimited { retry_after };
        if let Some(retry_after) = self.limiter.retry_after(lookup, ip) {
            return Err(refused(retry_after));
        }
        // Before the read: a change committed after it must not be cached over.
        let read_at = self.cache.generation();
        let unexpected = |e: Box<dyn std::error::Error + Send + Sync>| AuthenticationError::Unexpected(e);
        let found = match presented {
            Presented::Native(_) => self.keys.find_credential(&lookup).await,
            Presented::Imported(token) => self.keys.find_credential_at_any(&token.candidates()).await,
        };
        let Some(credential) = found.map_err(|e| unexpected(Box::new(e)))? else {
            let attempt = self.limiter.begin_unknown_attempt(ip).map_err(refused)?;
            let code = match presented {
                Presented::Native(token) => {
                    self.spend_decoy_verify(token.secret()).await?;
                    VerificationCode::NotFound
                }
                // No decoy: the lookup id is a digest of the whole token, so
                // finding a row already proves knowledge of the token. Found
                // nowhere, it is no key's, as before imports existed.
                Presented::Imported(_) => VerificationCode::Malformed,
            };
            attempt.failed();
            return Err(AuthenticationError::Rejected(code));
        };
        // Held from before the hash until the verdict, so that concurrent
        // attempts cannot overshoot the budget; a match gives it back.
        let attempt = self.limiter.begin_key_attempt(lookup, ip).map_err(refused)?;
        let imported = ImportedDigest::from_stored(&credential.secret_hash);
        let matches = match (presented, &imported) {
            (Presented::Imported(token), Some(digest)) => digest.matches(token),
            // An imported digest sits at a lookup id no Sesame token names
            // but by a 2^-128 chance; it is never a hash of this token.
            (Presented::Native(_), Some(_)) => false,
            (_, None) => self
                .hasher
                .verify(&presented.secret(), &credential.secret_hash)
                .await
                .map_err(|e| unexpected(Box::new(e)))?,
        };
        // A Sesame token's prefix is covered by the checksum, but a token
        // minted for another environment or kind must still never match.
        let other_prefix = match presented {
            Presented::Native(token) => {
                token.environment() != credential.key.environment || token.kind() != credential.key.kind
            }
            Presented::Imported(_) => false,
        };
        if !matches || other_prefix {
            attempt.failed();
            return Err(AuthenticationError::Rejected(VerificationCode::NotFound));
        }
        drop(attempt);
        tracing::Span::current().record("key_id", tracing::field::display(&credential.key.id));
        // An imported digest always moves to the configured scheme, and to
        // the SHA-256 digest's lookup id if it was a SHA-512 one.
        match imported {
            Some(digest) => self.rehash_if_usable(&credential, digest.lookup(), lookup, &presented.secret()),
            None if self.hasher.needs_rehash(&credential.secret_hash) => {
                self.rehash_if_usable(&credential, lookup, lookup, &presented.secret());
            }
            None => {}
        }
        Ok(self.cache.insert(raw, credential, read_at))
    }

    /// After a match with an outdated hash (of another scheme, older
    /// parameters or an older pepper, or an imported digest): it is replaced
    /// in the background, so the request does not wait. Not for a secret
    /// that can no longer be used (revoked key, superseded secret past its
    /// grace period): it will never be presented successfully again.
    fn rehash_if_usable(&self, credential: &Credential, stored_at: LookupId, moved_to: LookupId, secret: &SecretBytes) {
        let usable =
            credential.key.revoked_at.is_none() && credential.secret_expires_at.is_none_or(|at| at > self.clock.now());
        if usable {
            self.rehash.submit(
                self.keys.clone(),
                self.hasher.clone(),
                credential.key.id,
                stored_at,
                moved_to,
                secret.clone(),
                credential.secret_hash.clone(),
            );
        }
    }

    /// Waits until the rehashes asked for so far have run.
    pub async fn rehashed(&self) {
        self.rehash.idle().await;
    }

    async fn spend_decoy_verify(&self, secret: &SecretBytes) -> Result<(), AuthenticationError> {
        let decoy = self
            .decoy
            .get_or_try_init(|| async { self.hasher.hash(&SecretBytes::from_bytes([0; 32])).await })
            .await
            .map_err(|e| AuthenticationError::Unexpected(Box::new(e)))?;
        // The answer is irrelevant: only the time spent matters.
        let _ = self.hasher.verify(secret, decoy).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authentication::failure_limiter::FailureLimits;
    use crate::test_support::*;
    use chrono::Duration;
    use sesame_domain::ports::{MockApiKeyRepository, MockClock, MockSecretHasher};
    use sesame_domain::{IpAllowList, LookupId, OrganizationStatus, Scope};

    struct Fixture {
        keys: MockApiKeyRepository,
        hasher: MockSecretHasher,
        clock: MockClock,
    }

    impl Fixture {
        fn new() -> Self {
            let clock = fixed_clock();
            Self { keys: MockApiKeyRepository::new(), hasher: MockSecretHasher::new(), clock }
        }

        fn with_credential(mut self, credential: sesame_domain::Credential, hash_matches: bool) -> Self {
            self.keys.expect_find_credential().returning(move |_| Ok(Some(credential.clone())));
            self.hasher.expect_verify().returning(move |_, _| Ok(hash_matches));
            self.hasher.expect_needs_rehash().return_const(false);
            self
        }

        fn build(self) -> (Authenticate, UsageBuffer) {
            self.build_with(FailureLimits::default())
        }

        fn build_with(self, limits: FailureLimits) -> (Authenticate, UsageBuffer) {
            authenticate_with(self.keys, self.hasher, self.clock, limits)
        }
    }

    async fn code_of(auth: &Authenticate, raw: &str, ip: &str, required: &[&str]) -> VerificationCode {
        let required = ScopeSet::parse(required).unwrap();
        match auth.execute(raw, Some(ip.parse().unwrap()), None, &required).await {
            Ok(verified) => {
                auth.record_use(&verified, None, None);
                VerificationCode::Valid
            }
            Err(AuthenticationError::Rejected(code)) => code,
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    #[tokio::test]
    async fn a_malformed_token_is_rejected_without_a_database_read() {
        let (auth, _) = Fixture::new().build();
        assert_eq!(code_of(&auth, "sk_live_garbage", "127.0.0.1", &[]).await, VerificationCode::Malformed);
    }

    #[tokio::test]
    async fn an_unknown_lookup_id_still_spends_one_argon2_verify() {
        let mut f = Fixture::new();
        f.keys.expect_find_credential().returning(|_| Ok(None));
        f.hasher.expect_hash().times(1).returning(|_| Ok(SecretHash::new("decoy".into())));
        f.hasher.expect_verify().times(1).returning(|_, _| Ok(false));
        let (auth, _) = f.build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::NotFound);
    }

    #[tokio::test]
    async fn a_wrong_secret_is_not_found() {
        let (auth, _) = Fixture::new().with_credential(credential(active_key()), false).build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::NotFound);
    }

    #[tokio::test]
    async fn a_valid_key_authenticates_and_counts_one_use() {
        let (auth, usage) = Fixture::new().with_credential(credential(active_key()), true).build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &["api_keys.create"]).await, VerificationCode::Valid);
        assert_eq!(usage.pending(), 1);
    }

    #[tokio::test]
    async fn a_revoked_key_is_rejected_as_revoked() {
        let mut key = active_key();
        key.revoked_at = Some(now() - Duration::seconds(1));
        let (auth, usage) = Fixture::new().with_credential(credential(key), true).build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Revoked);
        assert_eq!(usage.pending(), 0);
    }

    #[tokio::test]
    async fn an_expired_key_is_rejected_as_expired() {
        let mut key = active_key();
        key.expires_at = Some(sesame_domain::ExpiresAt::from_stored(now() - Duration::seconds(1)));
        let (auth, _) = Fixture::new().with_credential(credential(key), true).build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Expired);
    }

    #[tokio::test]
    async fn a_rotated_secret_past_its_grace_period_is_expired() {
        let mut cred = credential(active_key());
        cred.secret_expires_at = Some(now() - Duration::seconds(1));
        let (auth, _) = Fixture::new().with_credential(cred, true).build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Expired);
    }

    #[tokio::test]
    async fn a_rotated_secret_inside_its_grace_period_still_works() {
        let mut cred = credential(active_key());
        cred.secret_expires_at = Some(now() + Duration::seconds(60));
        let (auth, _) = Fixture::new().with_credential(cred, true).build();
        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Valid);
    }

    #[tokio::test]
    async fn a_key_of_a_deactivated_organization_is_rejected() {
        let mut cred = credential(active_key());
        cred.organization_status = OrganizationStatus::Deactivated;
        let (auth, _) = Fixture::new().with_credential(cred, true).build();
        assert_eq!(
            code_of(&auth, &token().expose(), "127.0.0.1", &[]).await,
            VerificationCode::OrganizationDeactivated
        );
    }

    #[tokio::test]
    async fn a_request_from_outside_the_allow_list_is_forbidden() {
        let mut key = active_key();
        key.ip_allow_list = IpAllowList::parse(["10.0.0.0/8"]).unwrap();
        let (auth, _) = Fixture::new().with_credential(credential(key), true).build();
        assert_eq!(code_of(&auth, &token().expose(), "192.168.1.1", &[]).await, VerificationCode::ForbiddenIp);
        assert_eq!(code_of(&auth, &token().expose(), "10.1.1.1", &[]).await, VerificationCode::Valid);
    }

    #[tokio::test]
    async fn a_key_lacking_a_required_scope_is_insufficient() {
        let mut key = active_key();
        key.scopes = [Scope::ProductsRead].into_iter().collect();
        let (auth, _) = Fixture::new().with_credential(credential(key), true).build();
        assert_eq!(
            code_of(&auth, &token().expose(), "127.0.0.1", &["products.create"]).await,
            VerificationCode::InsufficientScope
        );
    }

    #[tokio::test]
    async fn a_recently_verified_token_needs_neither_storage_nor_argon2() {
        let mut f = Fixture::new();
        f.keys.expect_find_credential().times(1).returning(|_| Ok(Some(credential(active_key()))));
        f.hasher.expect_verify().times(1).returning(|_, _| Ok(true));
        f.hasher.expect_needs_rehash().return_const(false);
        let (auth, _) = f.build();
        for _ in 0..5 {
            assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Valid);
        }
    }

    #[tokio::test]
    async fn a_cached_token_is_still_checked_for_ip_and_scopes() {
        let mut key = active_key();
        key.scopes = [Scope::ProductsRead].into_iter().collect();
        key.ip_allow_list = IpAllowList::parse(["10.0.0.0/8"]).unwrap();
        let (auth, _) = Fixture::new().with_credential(credential(key), true).build();
        let raw = token().expose();
        assert_eq!(code_of(&auth, &raw, "10.0.0.1", &[]).await, VerificationCode::Valid);
        assert_eq!(code_of(&auth, &raw, "192.168.0.1", &[]).await, VerificationCode::ForbiddenIp);
        assert_eq!(code_of(&auth, &raw, "10.0.0.1", &["products.create"]).await, VerificationCode::InsufficientScope);
    }

    #[tokio::test]
    async fn wrong_secrets_beyond_the_budget_are_refused_without_reading_or_hashing() {
        let mut f = Fixture::new();
        // Two judged attempts; then the pair's budget is known to be spent.
        f.keys.expect_find_credential().times(2).returning(|_| Ok(Some(credential(active_key()))));
        f.hasher.expect_verify().times(2).returning(|_, _| Ok(false));
        let limits = FailureLimits { per_key: 2, per_ip: 0, window: std::time::Duration::from_secs(3600) };
        let (auth, _) = f.build_with(limits);
        let raw = token().expose();
        let ip = Some("127.0.0.1".parse().unwrap());
        for _ in 0..2 {
            assert!(matches!(
                auth.check(&raw, ip, &ScopeSet::empty()).await,
                Err(AuthenticationError::Rejected(VerificationCode::NotFound))
            ));
        }
        for _ in 0..2 {
            let err = auth.check(&raw, ip, &ScopeSet::empty()).await.unwrap_err();
            assert!(matches!(err, AuthenticationError::RateLimited { .. }), "{err:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_requests_with_one_key_hash_once_and_all_pass() {
        let mut f = Fixture::new();
        f.keys.expect_find_credential().times(1).returning(|_| Ok(Some(credential(active_key()))));
        f.hasher.expect_verify().times(1).returning(|_, _| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(true)
        });
        f.hasher.expect_needs_rehash().return_const(false);
        let limits = FailureLimits { per_key: 2, per_ip: 2, window: std::time::Duration::from_secs(3600) };
        let (auth, _) = f.build_with(limits);
        let checks = (0..12).map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.check(&token().expose(), None, &ScopeSet::empty()).await.map(|_| ()) })
        });
        for check in checks.collect::<Vec<_>>() {
            assert!(check.await.unwrap().is_ok(), "more first requests than the budget, all admitted");
        }
    }

    #[tokio::test]
    async fn an_address_out_of_budget_for_unknown_keys_still_gets_its_real_keys_checked() {
        let mut f = Fixture::new();
        let known = token();
        let known_lookup = known.lookup();
        f.keys
            .expect_find_credential()
            .returning(move |lookup| Ok((*lookup == known_lookup).then(|| credential(active_key()))));
        // One decoy hash for the one admitted unknown attempt, one real hash.
        f.hasher.expect_hash().times(1).returning(|_| Ok(SecretHash::new("decoy".to_owned())));
        f.hasher.expect_verify().times(2).returning(|_, hash| Ok(hash.as_str() != "decoy"));
        f.hasher.expect_needs_rehash().return_const(false);
        let limits = FailureLimits { per_key: 10, per_ip: 1, window: std::time::Duration::from_secs(3600) };
        let (auth, _) = f.build_with(limits);
        let ip = Some("203.0.113.5".parse().unwrap());
        let unknown = |n| {
            ApiToken::new(
                known.kind(),
                known.environment(),
                LookupId::from_bytes([n; 16]),
                SecretBytes::from_bytes([3; 32]),
            )
            .expose()
        };
        assert!(matches!(
            auth.check(&unknown(7), ip, &ScopeSet::empty()).await,
            Err(AuthenticationError::Rejected(VerificationCode::NotFound))
        ));
        let err = auth.check(&unknown(8), ip, &ScopeSet::empty()).await.unwrap_err();
        assert!(matches!(err, AuthenticationError::RateLimited { .. }), "{err:?}");
        assert!(auth.check(&known.expose(), ip, &ScopeSet::empty()).await.is_ok(), "a gateway's good keys pass");
    }

    /// What `replace_hash` was called with: (lookup, old, new).
    type Replaced = Arc<std::sync::Mutex<Vec<(LookupId, String, String)>>>;

    /// A fixture whose stored hash `old` matches, judged outdated or not,
    /// and whose storage records each replacement.
    fn rehash_fixture(credential: Credential, outdated: bool) -> (Fixture, Replaced) {
        let mut f = Fixture::new();
        let old = credential.secret_hash.clone();
        f.keys.expect_find_credential().returning(move |_| Ok(Some(credential.clone())));
        f.hasher.expect_verify().returning(|_, _| Ok(true));
        f.hasher.expect_needs_rehash().withf(move |hash| *hash == old).times(1).return_const(outdated);
        f.hasher.expect_hash().returning(|_| Ok(SecretHash::new("$hmac-sha256$k=new$digest".into())));
        let replaced = Replaced::default();
        let record = replaced.clone();
        f.keys.expect_replace_hash().returning(move |lookup, old, _moved_to, new| {
            record.lock().unwrap().push((*lookup, old.as_str().to_owned(), new.as_str().to_owned()));
            Ok(true)
        });
        (f, replaced)
    }

    #[tokio::test]
    async fn a_secret_that_matched_an_outdated_hash_gets_a_fresh_one_in_place_of_exactly_that_hash() {
        let (f, replaced) = rehash_fixture(credential(active_key()), true);
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Valid);
        auth.rehashed().await;

        let replaced = replaced.lock().unwrap().clone();
        assert_eq!(
            replaced,
            vec![(token().lookup(), "$argon2id$stub".to_owned(), "$hmac-sha256$k=new$digest".to_owned())],
            "the replacement is conditional on the hash that was read"
        );
    }

    #[tokio::test]
    async fn a_secret_that_matched_a_current_hash_is_not_rehashed() {
        let (f, replaced) = rehash_fixture(credential(active_key()), false);
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::Valid);
        auth.rehashed().await;

        assert!(replaced.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_wrong_secret_is_never_rehashed() {
        let mut f = Fixture::new();
        f.keys.expect_find_credential().returning(|_| Ok(Some(credential(active_key()))));
        f.hasher.expect_verify().returning(|_, _| Ok(false));
        f.hasher.expect_needs_rehash().never();
        f.keys.expect_replace_hash().never();
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, VerificationCode::NotFound);
    }

    #[tokio::test]
    async fn a_secret_that_can_no_longer_be_used_is_not_rehashed() {
        let mut revoked = credential(active_key());
        revoked.key.revoked_at = Some(now() - Duration::seconds(1));
        let mut past_grace = credential(active_key());
        past_grace.secret_expires_at = Some(now() - Duration::seconds(1));
        for (credential, code) in [(revoked, VerificationCode::Revoked), (past_grace, VerificationCode::Expired)] {
            let mut f = Fixture::new();
            f.keys.expect_find_credential().returning(move |_| Ok(Some(credential.clone())));
            f.hasher.expect_verify().returning(|_, _| Ok(true));
            f.hasher.expect_needs_rehash().return_const(true);
            f.hasher.expect_hash().returning(|_| Ok(SecretHash::new("new".into())));
            let replaced = Replaced::default();
            let record = replaced.clone();
            f.keys.expect_replace_hash().returning(move |lookup, old, _moved_to, new| {
                record.lock().unwrap().push((*lookup, old.as_str().to_owned(), new.as_str().to_owned()));
                Ok(true)
            });
            let (auth, _) = f.build();

            assert_eq!(code_of(&auth, &token().expose(), "127.0.0.1", &[]).await, code);
            auth.rehashed().await;

            assert!(replaced.lock().unwrap().is_empty(), "{code:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_request_does_not_wait_for_its_rehash() {
        let mut f = Fixture::new();
        f.keys.expect_find_credential().returning(|_| Ok(Some(credential(active_key()))));
        f.hasher.expect_verify().returning(|_, _| Ok(true));
        f.hasher.expect_needs_rehash().return_const(true);
        // The new hash takes until the test lets it finish.
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = std::sync::Mutex::new(gate);
        f.hasher.expect_hash().returning(move |_| {
            gate.lock().unwrap().recv_timeout(std::time::Duration::from_secs(10)).expect("released");
            Ok(SecretHash::new("new".into()))
        });
        let replaced = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let record = replaced.clone();
        f.keys.expect_replace_hash().returning(move |_, _, _, _| {
            record.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(true)
        });
        let (auth, _) = f.build();

        let answered = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            auth.check(&token().expose(), None, &ScopeSet::empty()),
        )
        .await
        .expect("the check answers while the rehash is still running");
        assert!(answered.is_ok());
        assert!(!replaced.load(std::sync::atomic::Ordering::SeqCst), "the rehash has not finished yet");

        release.send(()).unwrap();
        auth.rehashed().await;
        assert!(replaced.load(std::sync::atomic::Ordering::SeqCst), "the rehash ran after the answer");
    }

    const IMPORTED_TOKEN: &str = "prod_3ZaBcdEfGhJkLmNpQrStUvWx";

    fn sha256_of(text: &str) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes()).into()
    }

    fn sha512_of(text: &str) -> [u8; 64] {
        use sha2::Digest;
        sha2::Sha512::digest(text.as_bytes()).into()
    }

    /// A fixture holding one imported key, stored with `hash`, that records
    /// each lookup and each replacement; a fresh hash is only ever taken of
    /// `presented`'s SHA-256 digest.
    fn imported_fixture(
        hash: SecretHash,
        presented: &str,
    ) -> (Fixture, Arc<std::sync::Mutex<Vec<Vec<LookupId>>>>, Replaced) {
        let mut f = Fixture::new();
        let reads = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = reads.clone();
        let mut stored = credential(active_key());
        stored.secret_hash = hash;
        f.keys.expect_find_credential_at_any().returning(move |lookups| {
            seen.lock().unwrap().push(lookups.to_vec());
            Ok(Some(stored.clone()))
        });
        let expected_secret = SecretBytes::from_bytes(sha256_of(presented));
        f.hasher.expect_hash().returning(move |secret| {
            assert_eq!(*secret, expected_secret, "the configured scheme hashes the token's SHA-256 digest");
            Ok(SecretHash::new("$hmac-sha256$k=new$digest".into()))
        });
        let replaced = Replaced::default();
        let record = replaced.clone();
        f.keys.expect_replace_hash().returning(move |lookup, old, moved_to, new| {
            assert_eq!(
                lookup == moved_to,
                old.as_str().starts_with("$imported-sha256$"),
                "only a SHA-512 digest moves"
            );
            record.lock().unwrap().push((*moved_to, old.as_str().to_owned(), new.as_str().to_owned()));
            Ok(true)
        });
        (f, reads, replaced)
    }

    #[tokio::test]
    async fn an_imported_sha256_digest_verifies_its_token_in_one_read_and_moves_to_the_configured_scheme() {
        let digest = ImportedDigest::Sha256(sha256_of(IMPORTED_TOKEN));
        let (f, reads, replaced) = imported_fixture(digest.to_stored(), IMPORTED_TOKEN);
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, IMPORTED_TOKEN, "127.0.0.1", &[]).await, VerificationCode::Valid);
        auth.rehashed().await;

        let token = ForeignToken::digest(IMPORTED_TOKEN).unwrap();
        assert_eq!(*reads.lock().unwrap(), vec![token.candidates().to_vec()], "one read, at both digests' lookup ids");
        let replaced = replaced.lock().unwrap().clone();
        assert_eq!(
            replaced,
            vec![(token.lookup(), digest.to_stored().as_str().to_owned(), "$hmac-sha256$k=new$digest".to_owned())]
        );
    }

    #[tokio::test]
    async fn an_imported_sha512_digest_verifies_and_moves_to_the_sha256_lookup_id() {
        let drf_token = "Xb3kQ9zT.d8Fh2LmN4pR6sV0wY1aC3eG5iK7oQ9uZ";
        let digest = ImportedDigest::Sha512(sha512_of(drf_token));
        let (f, _, replaced) = imported_fixture(digest.to_stored(), drf_token);
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, drf_token, "127.0.0.1", &[]).await, VerificationCode::Valid);
        auth.rehashed().await;

        let moved_to: Vec<LookupId> = replaced.lock().unwrap().iter().map(|(at, _, _)| *at).collect();
        assert_eq!(moved_to, vec![ForeignToken::digest(drf_token).unwrap().lookup()]);
    }

    #[tokio::test]
    async fn a_token_that_does_not_match_the_imported_digest_found_is_not_found_and_not_rehashed() {
        let (mut f, _, replaced) =
            imported_fixture(ImportedDigest::Sha256(sha256_of("another_token_entirely")).to_stored(), IMPORTED_TOKEN);
        f.hasher.expect_verify().never();
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, IMPORTED_TOKEN, "127.0.0.1", &[]).await, VerificationCode::NotFound);
        auth.rehashed().await;
        assert!(replaced.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_moved_imported_key_is_verified_by_the_hasher_with_its_tokens_sha256_digest() {
        let mut f = Fixture::new();
        f.keys.expect_find_credential_at_any().returning(|_| Ok(Some(credential(active_key()))));
        let expected_secret = SecretBytes::from_bytes(sha256_of(IMPORTED_TOKEN));
        f.hasher.expect_verify().withf(move |secret, _| *secret == expected_secret).times(1).returning(|_, _| Ok(true));
        f.hasher.expect_needs_rehash().return_const(false);
        f.keys.expect_replace_hash().never();
        let (auth, _) = f.build();

        assert_eq!(code_of(&auth, IMPORTED_TOKEN, "127.0.0.1", &[]).await, VerificationCode::Valid);
    }

    #[tokio::test]
    async fn a_token_of_no_key_at_all_is_malformed_after_one_read_and_spends_the_unknown_budget() {
        let mut f = Fixture::new();
        // One read per attempt, as for an unknown Sesame lookup id.
        f.keys.expect_find_credential_at_any().times(2).returning(|_| Ok(None));
        f.hasher.expect_verify().never();
        let limits = FailureLimits { per_key: 10, per_ip: 1, window: std::time::Duration::from_secs(3600) };
        let (auth, _) = f.build_with(limits);
        let ip = Some("203.0.113.5".parse().unwrap());

        let first = auth.check("nobody_has_this_token_1", ip, &ScopeSet::empty()).await;
        assert!(matches!(first, Err(AuthenticationError::Rejected(VerificationCode::Malformed))), "{first:?}");
        let second = auth.check("nobody_has_this_token_2", ip, &ScopeSet::empty()).await.unwrap_err();
        assert!(matches!(second, AuthenticationError::RateLimited { .. }), "{second:?}");
    }

    /// Storage whose first credential read waits, once it has begun, until
    /// the test lets it finish: a verify in flight while a change commits.
    struct ReadInFlight {
        inner: MockApiKeyRepository,
        gate: std::sync::Mutex<Option<(Arc<tokio::sync::Notify>, Arc<tokio::sync::Notify>)>>,
    }

    #[async_trait::async_trait]
    impl ApiKeyRepository for ReadInFlight {
        async fn insert(
            &self,
            key: &ApiKey,
            secret: &sesame_domain::NewSecret,
            audit: &sesame_domain::AuditEvent,
        ) -> Result<(), sesame_domain::ports::RepositoryError> {
            self.inner.insert(key, secret, audit).await
        }
        async fn find_credential(
            &self,
            lookup: &sesame_domain::LookupId,
        ) -> Result<Option<Credential>, sesame_domain::ports::RepositoryError> {
            let read = self.inner.find_credential(lookup).await;
            let gate = self.gate.lock().unwrap().take();
            if let Some((began, finish)) = gate {
                began.notify_one();
                finish.notified().await;
            }
            read
        }
        async fn get(
            &self,
            organization_id: &sesame_domain::OrganizationId,
            id: &sesame_domain::ApiKeyId,
        ) -> Result<Option<ApiKey>, sesame_domain::ports::RepositoryError> {
            self.inner.get(organization_id, id).await
        }
        async fn list(
            &self,
            query: &sesame_domain::ports::ApiKeyQuery,
        ) -> Result<Vec<ApiKey>, sesame_domain::ports::RepositoryError> {
            self.inner.list(query).await
        }
        async fn update(
            &self,
            key: &ApiKey,
            audit: &sesame_domain::AuditEvent,
        ) -> Result<(), sesame_domain::ports::RepositoryError> {
            self.inner.update(key, audit).await
        }
        async fn revoke(
            &self,
            key: &ApiKey,
            audit: &sesame_domain::AuditEvent,
        ) -> Result<bool, sesame_domain::ports::RepositoryError> {
            self.inner.revoke(key, audit).await
        }
        async fn mark_leaked(
            &self,
            key: &ApiKey,
            audit: &sesame_domain::AuditEvent,
        ) -> Result<bool, sesame_domain::ports::RepositoryError> {
            self.inner.mark_leaked(key, audit).await
        }
        async fn rotate(
            &self,
            key: &ApiKey,
            secret: &sesame_domain::NewSecret,
            previous_secret_expires_at: DateTime<Utc>,
            audit: &sesame_domain::AuditEvent,
        ) -> Result<(), sesame_domain::ports::RepositoryError> {
            self.inner.rotate(key, secret, previous_secret_expires_at, audit).await
        }
        async fn find_credential_at_any(
            &self,
            lookups: &[LookupId],
        ) -> Result<Option<Credential>, sesame_domain::ports::RepositoryError> {
            self.inner.find_credential_at_any(lookups).await
        }
        async fn insert_imported(
            &self,
            batch: &[(ApiKey, sesame_domain::NewSecret, sesame_domain::AuditEvent)],
        ) -> Result<Vec<bool>, sesame_domain::ports::RepositoryError> {
            self.inner.insert_imported(batch).await
        }
        async fn replace_hash(
            &self,
            lookup: &LookupId,
            old: &SecretHash,
            new_lookup: &LookupId,
            new: &SecretHash,
        ) -> Result<bool, sesame_domain::ports::RepositoryError> {
            self.inner.replace_hash(lookup, old, new_lookup, new).await
        }
        async fn record_usage(
            &self,
            batch: &[sesame_domain::UsageRecord],
        ) -> Result<(), sesame_domain::ports::RepositoryError> {
            self.inner.record_usage(batch).await
        }
    }

    #[tokio::test]
    async fn a_verify_that_read_a_key_before_its_revocation_is_not_cached_past_it() {
        let key = active_key();
        let revoked = ApiKey { revoked_at: Some(now()), ..key.clone() };
        let mut inner = MockApiKeyRepository::new();
        let mut reads = mockall::Sequence::new();
        let before = credential(key.clone());
        inner.expect_find_credential().times(1).in_sequence(&mut reads).return_once(move |_| Ok(Some(before)));
        let after = credential(revoked);
        inner.expect_find_credential().times(1).in_sequence(&mut reads).return_once(move |_| Ok(Some(after)));
        let (began, finish) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
        let keys = ReadInFlight { inner, gate: std::sync::Mutex::new(Some((began.clone(), finish.clone()))) };
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        hasher.expect_needs_rehash().return_const(false);
        let cache = test_cache();
        let keys: Arc<dyn ApiKeyRepository> = Arc::new(keys);
        let auth = Authenticate::new(
            keys.clone(),
            Arc::new(hasher),
            Arc::new(fixed_clock()),
            UsageBuffer::new(keys, 10),
            cache.clone(),
            FailureLimiter::new(FailureLimits::default()),
        );
        let raw = token().expose();

        let in_flight = tokio::spawn({
            let (auth, raw) = (auth.clone(), raw.clone());
            async move { auth.check(&raw, None, &ScopeSet::empty()).await.map(|_| ()) }
        });
        began.notified().await;
        // The revocation commits and invalidates while the verify holds the old row.
        cache.invalidate_key(key.id);
        finish.notify_one();
        in_flight.await.unwrap().expect("the verify in flight answers from what it read");

        let again = auth.check(&raw, None, &ScopeSet::empty()).await;
        assert!(matches!(again, Err(AuthenticationError::Rejected(VerificationCode::Revoked))), "{again:?}");
    }
}
