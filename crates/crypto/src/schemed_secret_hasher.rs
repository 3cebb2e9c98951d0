use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use sesame_domain::ports::{HashError, SecretHasher};
use sesame_domain::{SecretBytes, SecretHash};
use thiserror::Error;

use crate::hmac_secret_hasher::{warn_unknown_pepper, HMAC_SHA256_PREFIX};
use crate::{Argon2SecretHasher, HmacSha256SecretHasher};

/// The scheme new hashes are made with (`hashing.scheme`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashScheme {
    /// Slow and salted: the default, safe for any secret.
    #[default]
    Argon2id,
    /// Fast and keyed with a server-side pepper: for Sesame's 256-bit secrets.
    HmacSha256,
}

impl HashScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            HashScheme::Argon2id => "argon2id",
            HashScheme::HmacSha256 => "hmac-sha256",
        }
    }
}

impl fmt::Display for HashScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Error)]
#[error("hashing.scheme hmac-sha256 needs a pepper")]
pub struct MissingPepper;

/// Every scheme Sesame knows, behind one [`SecretHasher`]: new hashes in the
/// configured scheme; a stored hash verified by the scheme it names
/// (`$argon2id$…` or `$hmac-sha256$…`), whichever is configured, so a
/// change of `hashing.scheme` never locks out an existing key.
#[derive(Clone)]
pub struct SchemedSecretHasher {
    scheme: HashScheme,
    argon2: Argon2SecretHasher,
    /// Present when a pepper is configured, whatever the scheme: argon2id
    /// for new hashes can still verify (and rehash) fast-scheme ones.
    hmac: Option<HmacSha256SecretHasher>,
    warned: Arc<AtomicBool>,
}

impl fmt::Debug for SchemedSecretHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemedSecretHasher")
            .field("scheme", &self.scheme)
            .field("pepper_id", &self.hmac.as_ref().map(HmacSha256SecretHasher::pepper_id))
            .finish_non_exhaustive()
    }
}

impl SchemedSecretHasher {
    /// # Errors
    /// `MissingPepper` for `HmacSha256` without `hmac`.
    pub fn new(
        scheme: HashScheme,
        argon2: Argon2SecretHasher,
        hmac: Option<HmacSha256SecretHasher>,
    ) -> Result<Self, MissingPepper> {
        if scheme == HashScheme::HmacSha256 && hmac.is_none() {
            return Err(MissingPepper);
        }
        Ok(Self { scheme, argon2, hmac, warned: Arc::default() })
    }

    pub fn scheme(&self) -> HashScheme {
        self.scheme
    }

    /// The pepper hashes are (or would be) keyed with, when one is configured.
    pub fn hmac(&self) -> Option<&HmacSha256SecretHasher> {
        self.hmac.as_ref()
    }
}

#[async_trait]
impl SecretHasher for SchemedSecretHasher {
    async fn hash(&self, secret: &SecretBytes) -> Result<SecretHash, HashError> {
        match (self.scheme, &self.hmac) {
            (HashScheme::HmacSha256, Some(hmac)) => Ok(hmac.hash_now(secret)),
            _ => self.argon2.hash(secret).await,
        }
    }

    async fn verify(&self, secret: &SecretBytes, hash: &SecretHash) -> Result<bool, HashError> {
        if !hash.as_str().starts_with(HMAC_SHA256_PREFIX) {
            return self.argon2.verify(secret, hash).await;
        }
        match &self.hmac {
            Some(hmac) => hmac.verify_now(secret, hash),
            // No pepper at all: no fast-scheme hash can match.
            None => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    warn_unknown_pepper(hash.as_str().split('$').nth(2).unwrap_or_default());
                }
                Ok(false)
            }
        }
    }

    fn needs_rehash(&self, hash: &SecretHash) -> bool {
        match (self.scheme, &self.hmac) {
            (HashScheme::HmacSha256, Some(hmac)) => !hmac.is_current(hash),
            _ => !self.argon2.is_current(hash),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Argon2Params, Pepper};

    fn argon2(iterations: u32) -> Argon2SecretHasher {
        Argon2SecretHasher::new(Argon2Params { memory_kib: 64, iterations, parallelism: 1, max_concurrent: 2 }).unwrap()
    }

    fn hmac(byte: u8) -> HmacSha256SecretHasher {
        HmacSha256SecretHasher::new(Pepper::new(&[byte; 32]).unwrap(), vec![])
    }

    fn hasher(scheme: HashScheme, pepper: Option<u8>) -> SchemedSecretHasher {
        SchemedSecretHasher::new(scheme, argon2(1), pepper.map(hmac)).unwrap()
    }

    fn secret() -> SecretBytes {
        SecretBytes::from_bytes([9; 32])
    }

    #[tokio::test]
    async fn new_hashes_take_the_configured_scheme() {
        let argon = hasher(HashScheme::Argon2id, Some(1)).hash(&secret()).await.unwrap();
        let fast = hasher(HashScheme::HmacSha256, Some(1)).hash(&secret()).await.unwrap();
        assert!(argon.as_str().starts_with("$argon2id$"), "{}", argon.as_str());
        assert!(fast.as_str().starts_with("$hmac-sha256$k="), "{}", fast.as_str());
    }

    #[tokio::test]
    async fn a_hash_of_either_scheme_verifies_whichever_scheme_is_configured() {
        let argon = hasher(HashScheme::Argon2id, Some(1)).hash(&secret()).await.unwrap();
        let fast = hasher(HashScheme::HmacSha256, Some(1)).hash(&secret()).await.unwrap();
        for scheme in [HashScheme::Argon2id, HashScheme::HmacSha256] {
            let hasher = hasher(scheme, Some(1));
            assert!(hasher.verify(&secret(), &argon).await.unwrap(), "{scheme}: argon2id hash");
            assert!(hasher.verify(&secret(), &fast).await.unwrap(), "{scheme}: hmac-sha256 hash");
            assert!(!hasher.verify(&SecretBytes::from_bytes([8; 32]), &fast).await.unwrap());
        }
    }

    #[tokio::test]
    async fn a_hash_of_the_other_scheme_needs_a_rehash_both_ways() {
        let argon = hasher(HashScheme::Argon2id, Some(1)).hash(&secret()).await.unwrap();
        let fast = hasher(HashScheme::HmacSha256, Some(1)).hash(&secret()).await.unwrap();
        assert!(hasher(HashScheme::HmacSha256, Some(1)).needs_rehash(&argon));
        assert!(!hasher(HashScheme::HmacSha256, Some(1)).needs_rehash(&fast));
        assert!(hasher(HashScheme::Argon2id, Some(1)).needs_rehash(&fast));
        assert!(!hasher(HashScheme::Argon2id, Some(1)).needs_rehash(&argon));
    }

    #[tokio::test]
    async fn a_hash_of_an_older_pepper_or_older_argon2_parameters_needs_a_rehash() {
        let old_pepper = hasher(HashScheme::HmacSha256, Some(1)).hash(&secret()).await.unwrap();
        let rotated = SchemedSecretHasher::new(
            HashScheme::HmacSha256,
            argon2(1),
            Some(HmacSha256SecretHasher::new(Pepper::new(&[2; 32]).unwrap(), vec![Pepper::new(&[1; 32]).unwrap()])),
        )
        .unwrap();
        assert!(rotated.verify(&secret(), &old_pepper).await.unwrap());
        assert!(rotated.needs_rehash(&old_pepper));

        let old_params = SchemedSecretHasher::new(HashScheme::Argon2id, argon2(2), None).unwrap();
        let hash = old_params.hash(&secret()).await.unwrap();
        assert!(hasher(HashScheme::Argon2id, None).needs_rehash(&hash));
    }

    #[tokio::test]
    async fn without_the_pepper_a_fast_scheme_hash_matches_nothing_and_is_no_error() {
        let fast = hasher(HashScheme::HmacSha256, Some(1)).hash(&secret()).await.unwrap();
        assert!(!hasher(HashScheme::Argon2id, None).verify(&secret(), &fast).await.unwrap());
        assert!(!hasher(HashScheme::HmacSha256, Some(2)).verify(&secret(), &fast).await.unwrap());
    }

    #[test]
    fn the_fast_scheme_without_a_pepper_is_refused() {
        assert!(SchemedSecretHasher::new(HashScheme::HmacSha256, argon2(1), None).is_err());
    }
}
