use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64ct::{Base64Unpadded, Encoding};
use hmac::{Hmac, Mac};
use sesame_domain::ports::HashError;
use sesame_domain::{SecretBytes, SecretHash};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// The shortest pepper accepted: as long as the HMAC-SHA-256 output, so the
/// pepper is never the weaker part (RFC 2104 §3).
pub const MIN_PEPPER_BYTES: usize = 32;

/// How every hash of this scheme begins.
pub const HMAC_SHA256_PREFIX: &str = "$hmac-sha256$";

const DIGEST_BYTES: usize = 32;

/// The message the pepper's id is the HMAC of: a fixed label, so the id is
/// a fingerprint of the pepper that reveals nothing of it, and no secret
/// (always 32 random bytes) can be hashed to it.
const PEPPER_ID_LABEL: &[u8] = b"sesame pepper id v1";

#[derive(Debug, Error, PartialEq, Eq)]
#[error("the pepper is {len} bytes; it must be at least {MIN_PEPPER_BYTES}")]
pub struct PepperTooShort {
    pub len: usize,
}

/// A server-side key for HMAC-SHA-256 hashes, never stored in the database,
/// and its id: the first 8 bytes, in hex, of HMAC(pepper, a fixed label).
/// The id is stored in each hash (`k=`), so a hash names the pepper it
/// needs, and two different peppers cannot share one id by mistake.
#[derive(Clone)]
pub struct Pepper {
    id: String,
    mac: HmacSha256,
}

impl Pepper {
    /// # Errors
    /// When `bytes` is shorter than [`MIN_PEPPER_BYTES`].
    pub fn new(bytes: &[u8]) -> Result<Self, PepperTooShort> {
        if bytes.len() < MIN_PEPPER_BYTES {
            return Err(PepperTooShort { len: bytes.len() });
        }
        let mac = HmacSha256::new_from_slice(bytes).expect("HMAC takes a key of any length");
        let mut fingerprint = mac.clone();
        fingerprint.update(PEPPER_ID_LABEL);
        let id = fingerprint.finalize().into_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { id, mac })
    }

    /// The id stored in each hash made with it; not secret.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn digest(&self, secret: &SecretBytes) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(secret.expose());
        mac
    }
}

// By hand: the MAC's state is the pepper.
impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper").field("id", &self.id).finish_non_exhaustive()
    }
}

/// HMAC-SHA-256 of a secret under a server-side pepper:
/// `$hmac-sha256$k=<pepper id>$<digest, base64 without padding>`.
///
/// Fit only for secrets with the entropy of a key (Sesame's have 256 bits):
/// with no salt and no work factor, its only defence against a guess is that
/// there is nothing to guess. The pepper adds that a stolen database alone
/// cannot be checked against a guess at all. About a microsecond per hash,
/// so it runs on the calling thread.
#[derive(Clone, Debug)]
pub struct HmacSha256SecretHasher {
    current: Pepper,
    /// Still verified, never used for new hashes: a pepper being rotated out.
    previous: Vec<Pepper>,
    /// Whether an unknown pepper id was reported yet: once per process.
    warned: Arc<AtomicBool>,
}

impl HmacSha256SecretHasher {
    pub fn new(current: Pepper, previous: Vec<Pepper>) -> Self {
        let previous = previous.into_iter().filter(|p| p.id != current.id).collect();
        Self { current, previous, warned: Arc::default() }
    }

    /// The id new hashes carry.
    pub fn pepper_id(&self) -> &str {
        self.current.id()
    }

    /// The ids of the peppers only verified.
    pub fn previous_pepper_ids(&self) -> Vec<&str> {
        self.previous.iter().map(Pepper::id).collect()
    }

    pub fn hash_now(&self, secret: &SecretBytes) -> SecretHash {
        let digest = self.current.digest(secret).finalize().into_bytes();
        SecretHash::new(format!("{HMAC_SHA256_PREFIX}k={}${}", self.current.id, Base64Unpadded::encode_string(&digest)))
    }

    /// Compares in constant time (`Mac::verify_slice`). A hash keyed with a
    /// pepper this hasher does not hold matches nothing.
    ///
    /// # Errors
    /// `Unreadable` for a string that is not a hash of this scheme.
    pub fn verify_now(&self, secret: &SecretBytes, hash: &SecretHash) -> Result<bool, HashError> {
        let (id, digest) = parse(hash.as_str()).ok_or(HashError::Unreadable)?;
        let pepper = std::iter::once(&self.current).chain(&self.previous).find(|p| p.id == id);
        match pepper {
            Some(pepper) => Ok(pepper.digest(secret).verify_slice(&digest).is_ok()),
            None => {
                self.warn_unknown(id);
                Ok(false)
            }
        }
    }

    /// Whether `hash` is of this scheme and keyed with the current pepper.
    pub fn is_current(&self, hash: &SecretHash) -> bool {
        parse(hash.as_str()).is_some_and(|(id, _)| id == self.current.id)
    }

    fn warn_unknown(&self, id: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            warn_unknown_pepper(id);
        }
    }
}

/// Said once per process: every key hashed with that pepper now fails.
pub(crate) fn warn_unknown_pepper(id: &str) {
    tracing::warn!(
        pepper_id = id,
        "a stored hmac-sha256 hash is keyed with a pepper that is not configured (hashing.pepper, \
         hashing.previous_pepper); every key hashed with it fails verification"
    );
}

/// `$hmac-sha256$k=<id>$<digest>` → (id, digest).
fn parse(hash: &str) -> Option<(&str, Vec<u8>)> {
    let (id, encoded) = hash.strip_prefix(HMAC_SHA256_PREFIX)?.strip_prefix("k=")?.split_once('$')?;
    let digest = Base64Unpadded::decode_vec(encoded).ok()?;
    (!id.is_empty() && digest.len() == DIGEST_BYTES).then_some((id, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pepper(byte: u8) -> Pepper {
        Pepper::new(&[byte; 32]).unwrap()
    }

    fn secret(byte: u8) -> SecretBytes {
        SecretBytes::from_bytes([byte; 32])
    }

    #[test]
    fn a_hash_names_its_scheme_and_pepper_and_verifies_only_its_secret() {
        let hasher = HmacSha256SecretHasher::new(pepper(1), vec![]);
        let hash = hasher.hash_now(&secret(9));
        let expected_prefix = format!("$hmac-sha256$k={}$", hasher.pepper_id());
        assert!(hash.as_str().starts_with(&expected_prefix), "{}", hash.as_str());
        assert_eq!(hasher.pepper_id().len(), 16);
        assert!(hasher.verify_now(&secret(9), &hash).unwrap());
        assert!(!hasher.verify_now(&secret(8), &hash).unwrap());
    }

    #[test]
    fn the_digest_is_hmac_sha256_of_the_secret_under_the_pepper() {
        // RFC 4231 test case 2 has a short key; this checks the wiring
        // against an independent computation with the same primitive.
        let hasher = HmacSha256SecretHasher::new(pepper(1), vec![]);
        let mut mac = HmacSha256::new_from_slice(&[1; 32]).unwrap();
        mac.update(&[9; 32]);
        let expected = Base64Unpadded::encode_string(&mac.finalize().into_bytes());
        assert!(hasher.hash_now(&secret(9)).as_str().ends_with(&format!("${expected}")));
    }

    #[test]
    fn two_peppers_have_different_ids_and_one_pepper_always_the_same() {
        assert_ne!(pepper(1).id(), pepper(2).id());
        assert_eq!(pepper(1).id(), pepper(1).id());
    }

    #[test]
    fn a_hash_keyed_with_an_unknown_pepper_matches_nothing_rather_than_failing() {
        let old = HmacSha256SecretHasher::new(pepper(1), vec![]);
        let hash = old.hash_now(&secret(9));
        let restarted_with_another = HmacSha256SecretHasher::new(pepper(2), vec![]);
        assert!(!restarted_with_another.verify_now(&secret(9), &hash).unwrap());
    }

    #[test]
    fn a_previous_pepper_still_verifies_but_its_hashes_are_not_current() {
        let old = HmacSha256SecretHasher::new(pepper(1), vec![]);
        let hash = old.hash_now(&secret(9));
        let rotated = HmacSha256SecretHasher::new(pepper(2), vec![pepper(1)]);
        assert!(rotated.verify_now(&secret(9), &hash).unwrap());
        assert!(!rotated.is_current(&hash));
        assert!(rotated.is_current(&rotated.hash_now(&secret(9))));
        assert!(rotated.hash_now(&secret(9)).as_str().contains(&format!("k={}$", pepper(2).id())));
    }

    #[test]
    fn a_pepper_shorter_than_32_bytes_is_refused() {
        assert_eq!(Pepper::new(&[1; 31]).unwrap_err(), PepperTooShort { len: 31 });
        assert!(Pepper::new(&[1; 32]).is_ok());
    }

    #[test]
    fn a_malformed_hash_of_this_scheme_is_unreadable() {
        let hasher = HmacSha256SecretHasher::new(pepper(1), vec![]);
        let id = hasher.pepper_id().to_owned();
        for bad in [
            "$hmac-sha256$".to_owned(),
            format!("$hmac-sha256$k={id}$short"),
            format!("$hmac-sha256$k={id}"),
            format!("$hmac-sha256${id}$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ] {
            let err = hasher.verify_now(&secret(9), &SecretHash::new(bad.clone())).unwrap_err();
            assert!(matches!(err, HashError::Unreadable), "{bad}");
        }
    }

    #[test]
    fn debug_shows_the_pepper_id_and_never_the_pepper() {
        let shown = format!("{:?}", HmacSha256SecretHasher::new(pepper(0x41), vec![]));
        assert!(shown.contains(pepper(0x41).id()), "{shown}");
        assert!(!shown.contains("AAAA") && !shown.contains("65, 65"), "{shown}");
    }
}
