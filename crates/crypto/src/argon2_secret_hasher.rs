use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use rand::rngs::OsRng;
use sesame_domain::ports::{HashError, SecretHasher};
use sesame_domain::{SecretBytes, SecretHash};
use std::sync::Arc;
use std::time::Instant;

use thiserror::Error;
use tokio::sync::Semaphore;

/// argon2id cost. Defaults follow OWASP's password storage cheat sheet
/// (19 MiB, 2 passes, 1 lane); they come from settings so tests run fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes running at once, at most; more wait their turn.
    pub max_concurrent: usize,
}

impl Default for Argon2Params {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1, max_concurrent: cores }
    }
}

#[derive(Debug, Error)]
#[error("invalid argon2 parameters: {0}")]
pub struct InvalidArgon2Params(String);

/// Hashes secrets with argon2id on tokio's blocking pool, so a hash never
/// stalls the threads that serve HTTP.
/// Time an argon2id operation waited for one of `hashing.max_concurrent`
/// permits, and the time it then took; by `operation` (`hash`, `verify`).
pub const ARGON2_QUEUE_WAIT: &str = "sesame_argon2_queue_wait_seconds";
pub const ARGON2_DURATION: &str = "sesame_argon2_duration_seconds";

#[derive(Clone)]
pub struct Argon2SecretHasher {
    argon2: Argon2<'static>,
    /// What new hashes are made with, to tell a stored hash of older ones.
    params: Params,
    /// Bounds concurrent hashes: each holds `memory_kib` of RAM and a core.
    permits: Arc<Semaphore>,
}

impl Argon2SecretHasher {
    /// # Errors
    /// When argon2 rejects the parameters (e.g. memory below 8 × parallelism).
    pub fn new(params: Argon2Params) -> Result<Self, InvalidArgon2Params> {
        let max_concurrent = params.max_concurrent.max(1);
        let params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| InvalidArgon2Params(e.to_string()))?;
        Ok(Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
            params,
            permits: Arc::new(Semaphore::new(max_concurrent)),
        })
    }

    async fn on_blocking_pool<T: Send + 'static>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&Self) -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let queued = Instant::now();
        let _permit = self.permits.acquire().await.map_err(|e| HashError::Unexpected(Box::new(e)))?;
        metrics::histogram!(ARGON2_QUEUE_WAIT, "operation" => operation).record(queued.elapsed().as_secs_f64());
        let started = Instant::now();
        let this = self.clone();
        let result =
            tokio::task::spawn_blocking(move || work(&this)).await.map_err(|e| HashError::Unexpected(Box::new(e)))?;
        metrics::histogram!(ARGON2_DURATION, "operation" => operation).record(started.elapsed().as_secs_f64());
        result
    }

    /// Hashes on the calling thread (benchmarks and the blocking pool).
    ///
    /// # Errors
    /// When argon2 fails.
    pub fn hash_blocking(&self, secret: &SecretBytes) -> Result<SecretHash, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2
            .hash_password(secret.expose(), &salt)
            .map(|h| SecretHash::new(h.to_string()))
            .map_err(|e| HashError::Unexpected(e.to_string().into()))
    }

    /// Verifies on the calling thread. argon2's own comparison is constant-time.
    /// The stored hash carries its own parameters, so secrets hashed under
    /// older settings keep verifying after the settings change.
    ///
    /// # Errors
    /// `Unreadable` for a hash that is not an argon2 PHC string.
    pub fn verify_blocking(&self, secret: &SecretBytes, hash: &SecretHash) -> Result<bool, HashError> {
        let parsed = PasswordHash::new(hash.as_str()).map_err(|_| HashError::Unreadable)?;
        match self.argon2.verify_password(secret.expose(), &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(_) => Err(HashError::Unreadable),
        }
    }

    /// Whether `hash` is an argon2id hash of this version and of exactly the
    /// parameters new hashes get (memory, passes, lanes, output length).
    pub fn is_current(&self, hash: &SecretHash) -> bool {
        let Ok(parsed) = PasswordHash::new(hash.as_str()) else { return false };
        let Ok(stored) = Params::try_from(&parsed) else { return false };
        parsed.algorithm == Algorithm::Argon2id.ident()
            && parsed.version == Some(Version::V0x13.into())
            && stored.m_cost() == self.params.m_cost()
            && stored.t_cost() == self.params.t_cost()
            && stored.p_cost() == self.params.p_cost()
            && stored.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)
                == self.params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)
            && stored.keyid().is_empty()
            && stored.data().is_empty()
    }
}

#[async_trait]
impl SecretHasher for Argon2SecretHasher {
    async fn hash(&self, secret: &SecretBytes) -> Result<SecretHash, HashError> {
        let secret = secret.clone();
        self.on_blocking_pool("hash", move |this| this.hash_blocking(&secret)).await
    }

    async fn verify(&self, secret: &SecretBytes, hash: &SecretHash) -> Result<bool, HashError> {
        let secret = secret.clone();
        let hash = hash.clone();
        self.on_blocking_pool("verify", move |this| this.verify_blocking(&secret, &hash)).await
    }

    fn needs_rehash(&self, hash: &SecretHash) -> bool {
        !self.is_current(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> Argon2SecretHasher {
        Argon2SecretHasher::new(Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1, max_concurrent: 2 })
            .unwrap()
    }

    #[tokio::test]
    async fn the_right_secret_verifies_and_a_wrong_one_does_not() {
        let hasher = hasher();
        let secret = SecretBytes::from_bytes([9; 32]);
        let hash = hasher.hash(&secret).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hasher.verify(&secret, &hash).await.unwrap());
        assert!(!hasher.verify(&SecretBytes::from_bytes([8; 32]), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_secret_hashes_differently_each_time() {
        let hasher = hasher();
        let secret = SecretBytes::from_bytes([9; 32]);
        assert_ne!(hasher.hash(&secret).await.unwrap(), hasher.hash(&secret).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_unreadable() {
        let err =
            hasher().verify(&SecretBytes::from_bytes([9; 32]), &SecretHash::new("plain".into())).await.unwrap_err();
        assert!(matches!(err, HashError::Unreadable));
    }

    #[tokio::test]
    async fn a_hash_of_other_parameters_needs_a_rehash_and_one_of_the_current_ones_does_not() {
        let secret = SecretBytes::from_bytes([9; 32]);
        let current = hasher().hash(&secret).await.unwrap();
        let older =
            Argon2SecretHasher::new(Argon2Params { memory_kib: 64, iterations: 2, parallelism: 1, max_concurrent: 1 })
                .unwrap()
                .hash(&secret)
                .await
                .unwrap();
        assert!(!hasher().needs_rehash(&current));
        assert!(hasher().needs_rehash(&older), "t=2 where t=1 is configured");
        assert!(hasher().needs_rehash(&SecretHash::new("$hmac-sha256$k=0011223344556677$AAAA".into())));
    }

    #[test]
    fn parameters_argon2_rejects_are_reported() {
        assert!(Argon2SecretHasher::new(Argon2Params {
            memory_kib: 1,
            iterations: 0,
            parallelism: 1,
            max_concurrent: 1
        })
        .is_err());
    }
}
