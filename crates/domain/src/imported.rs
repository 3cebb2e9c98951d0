//! Keys brought from other key services (docs/decisions/0011-imported-keys.md).
//!
//! Such a key keeps its original token, which has none of a Sesame token's
//! structure: no public lookup id, no checksum, any length. It is found
//! through the digest of the whole token instead: its stored lookup id is
//! the first 128 bits of that digest, in the column (and unique index) that
//! holds the lookup ids of Sesame's own keys.
//!
//! * A key imported with its plaintext, or whose SHA-256 digest was imported,
//!   lives at the SHA-256 digest's lookup id for good.
//! * A key whose SHA-512 digest was imported (django-rest-framework-api-key)
//!   lives at the SHA-512 digest's lookup id until its first successful
//!   verify, which moves it to the SHA-256 one with a hash of the configured
//!   scheme.
//!
//! So a presented token that is not a Sesame token is one read: both lookup
//! ids, in one query through the unique index.

use std::fmt;

use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::{LookupId, SecretBytes, SecretHash};

/// The shortest token of another service that Sesame accepts or looks up:
/// below, a token is too guessable to be a key (and a presented token this
/// short is rejected without a database read).
pub const MIN_FOREIGN_TOKEN_LEN: usize = 16;
/// The longest: a token travels in a header.
pub const MAX_FOREIGN_TOKEN_LEN: usize = 512;

/// How a stored hash of an imported digest starts; never a prefix of a hash
/// of Sesame's own schemes (`$argon2id$`, `$hmac-sha256$`).
const SHA256_STORED: &str = "$imported-sha256$";
const SHA512_STORED: &str = "$imported-sha512$";

/// A presented token that is not shaped like a Sesame token, digested.
#[derive(Clone)]
pub struct ForeignToken {
    sha256: [u8; 32],
    sha512: [u8; 64],
}

impl ForeignToken {
    /// The token's digests, if it could be a key of another service: of
    /// [`MIN_FOREIGN_TOKEN_LEN`] to [`MAX_FOREIGN_TOKEN_LEN`] printable ASCII
    /// characters without spaces. Anything else is `None`.
    pub fn digest(raw: &str) -> Option<Self> {
        if !is_token_text(raw) {
            return None;
        }
        Some(Self { sha256: Sha256::digest(raw.as_bytes()).into(), sha512: Sha512::digest(raw.as_bytes()).into() })
    }

    /// Where the key of this token is stored, unless it was imported as a
    /// SHA-512 digest and not verified since.
    pub fn lookup(&self) -> LookupId {
        lookup_of(&self.sha256)
    }

    /// Every lookup id the key of this token can be stored at.
    pub fn candidates(&self) -> [LookupId; 2] {
        [lookup_of(&self.sha256), lookup_of(&self.sha512)]
    }

    /// What Sesame's hash schemes hash for this token: its SHA-256 digest,
    /// 256 bits like a Sesame secret, whatever the token's length.
    pub fn secret(&self) -> SecretBytes {
        SecretBytes::from_bytes(self.sha256)
    }
}

impl fmt::Debug for ForeignToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ForeignToken([redacted])")
    }
}

/// Whether `raw` can be the text of another service's token.
fn is_token_text(raw: &str) -> bool {
    (MIN_FOREIGN_TOKEN_LEN..=MAX_FOREIGN_TOKEN_LEN).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic())
}

fn lookup_of(digest: &[u8]) -> LookupId {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    LookupId::from_bytes(bytes)
}

/// The hash function another service applied to its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// Unkey, better-auth.
    Sha256,
    /// django-rest-framework-api-key.
    Sha512,
}

impl DigestAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    fn len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha512 => 64,
        }
    }
}

impl std::str::FromStr for DigestAlgorithm {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256" => Ok(DigestAlgorithm::Sha256),
            "sha512" => Ok(DigestAlgorithm::Sha512),
            _ => Err(DigestError::UnknownAlgorithm),
        }
    }
}

/// How a digest is written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestEncoding {
    /// Lower- or upper-case (django-rest-framework-api-key, many in-house schemes).
    Hex,
    /// Standard base64, padded or not (Unkey).
    Base64,
    /// URL-safe base64, padded or not (better-auth).
    Base64Url,
}

impl DigestEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestEncoding::Hex => "hex",
            DigestEncoding::Base64 => "base64",
            DigestEncoding::Base64Url => "base64url",
        }
    }

    fn decode(self, value: &str) -> Option<Vec<u8>> {
        match self {
            DigestEncoding::Hex => base16ct::mixed::decode_vec(value).ok(),
            DigestEncoding::Base64 => Base64::decode_vec(value).or_else(|_| Base64Unpadded::decode_vec(value)).ok(),
            DigestEncoding::Base64Url => {
                Base64Url::decode_vec(value).or_else(|_| Base64UrlUnpadded::decode_vec(value)).ok()
            }
        }
    }
}

impl std::str::FromStr for DigestEncoding {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hex" => Ok(DigestEncoding::Hex),
            "base64" => Ok(DigestEncoding::Base64),
            "base64url" => Ok(DigestEncoding::Base64Url),
            _ => Err(DigestError::UnknownEncoding),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DigestError {
    #[error("must be `sha256` or `sha512`")]
    UnknownAlgorithm,
    #[error("must be `hex`, `base64` or `base64url`")]
    UnknownEncoding,
    #[error("is not valid {}", .0.as_str())]
    NotDecodable(DigestEncoding),
    #[error("decodes to {actual} bytes; a {} digest has {expected}", .algorithm.as_str())]
    WrongLength { algorithm: DigestAlgorithm, expected: usize, actual: usize },
}

/// The digest of a token as another service stored it, until the token is
/// presented once and gets a hash of Sesame's configured scheme.
#[derive(Clone, PartialEq, Eq)]
pub enum ImportedDigest {
    Sha256([u8; 32]),
    Sha512([u8; 64]),
}

impl ImportedDigest {
    /// Reads `value`, written in `encoding`, as a digest of `algorithm`.
    /// django-rest-framework-api-key's stored form `sha512$$<hex>` is taken
    /// as it is.
    ///
    /// # Errors
    /// A value that does not decode, or is not as long as the algorithm's digests.
    pub fn decode(algorithm: DigestAlgorithm, encoding: DigestEncoding, value: &str) -> Result<Self, DigestError> {
        let value = match algorithm {
            DigestAlgorithm::Sha512 => value.strip_prefix("sha512$$").unwrap_or(value),
            DigestAlgorithm::Sha256 => value,
        };
        let bytes = encoding.decode(value).ok_or(DigestError::NotDecodable(encoding))?;
        let wrong_length = || DigestError::WrongLength { algorithm, expected: algorithm.len(), actual: bytes.len() };
        match algorithm {
            DigestAlgorithm::Sha256 => bytes.as_slice().try_into().map(Self::Sha256).map_err(|_| wrong_length()),
            DigestAlgorithm::Sha512 => bytes.as_slice().try_into().map(Self::Sha512).map_err(|_| wrong_length()),
        }
    }

    pub fn algorithm(&self) -> DigestAlgorithm {
        match self {
            ImportedDigest::Sha256(_) => DigestAlgorithm::Sha256,
            ImportedDigest::Sha512(_) => DigestAlgorithm::Sha512,
        }
    }

    /// Where the key is stored while it has this digest.
    pub fn lookup(&self) -> LookupId {
        match self {
            ImportedDigest::Sha256(d) => lookup_of(d),
            ImportedDigest::Sha512(d) => lookup_of(d),
        }
    }

    /// The form stored in the hash column, which names it as imported.
    pub fn to_stored(&self) -> SecretHash {
        let (tag, digest): (&str, &[u8]) = match self {
            ImportedDigest::Sha256(d) => (SHA256_STORED, d),
            ImportedDigest::Sha512(d) => (SHA512_STORED, d),
        };
        SecretHash::new(format!("{tag}{}", Base64Unpadded::encode_string(digest)))
    }

    /// The digest a stored hash holds, if it is one of an imported key not
    /// verified since; `None` for a hash of Sesame's own schemes.
    pub fn from_stored(hash: &SecretHash) -> Option<Self> {
        let hash = hash.as_str();
        if let Some(value) = hash.strip_prefix(SHA256_STORED) {
            Self::decode(DigestAlgorithm::Sha256, DigestEncoding::Base64, value).ok()
        } else if let Some(value) = hash.strip_prefix(SHA512_STORED) {
            Self::decode(DigestAlgorithm::Sha512, DigestEncoding::Base64, value).ok()
        } else {
            None
        }
    }

    /// Whether the stored hash is an imported digest (verified by
    /// [`ImportedDigest::matches`], not by a `SecretHasher`).
    pub fn is_stored_form(hash: &SecretHash) -> bool {
        hash.as_str().starts_with(SHA256_STORED) || hash.as_str().starts_with(SHA512_STORED)
    }

    /// Whether `token` is the token this digest was taken of, compared in
    /// constant time.
    pub fn matches(&self, token: &ForeignToken) -> bool {
        match self {
            ImportedDigest::Sha256(d) => d.ct_eq(&token.sha256).into(),
            ImportedDigest::Sha512(d) => d.ct_eq(&token.sha512).into(),
        }
    }
}

impl fmt::Debug for ImportedDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImportedDigest({}, ..)", self.algorithm().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "prod_3ZaBcdEfGhJkLmNpQr";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_sha256_digest_in_each_encoding_matches_its_token() {
        let digest = Sha256::digest(TOKEN.as_bytes());
        let token = ForeignToken::digest(TOKEN).unwrap();
        for (encoding, text) in [
            (DigestEncoding::Hex, hex(&digest)),
            (DigestEncoding::Hex, hex(&digest).to_uppercase()),
            (DigestEncoding::Base64, Base64::encode_string(&digest)),
            (DigestEncoding::Base64, Base64Unpadded::encode_string(&digest)),
            (DigestEncoding::Base64Url, Base64UrlUnpadded::encode_string(&digest)),
            (DigestEncoding::Base64Url, Base64Url::encode_string(&digest)),
        ] {
            let imported = ImportedDigest::decode(DigestAlgorithm::Sha256, encoding, &text).unwrap();
            assert!(imported.matches(&token), "{encoding:?} {text}");
            assert_eq!(imported.lookup(), token.lookup());
        }
    }

    #[test]
    fn a_django_sha512_hash_matches_its_token_at_the_second_candidate() {
        let token_text = "Xb3kQ9zT.d8Fh2LmN4pR6sV0wY1aC3eG5iK7oQ9uZ";
        let stored = format!("sha512$${}", hex(&Sha512::digest(token_text.as_bytes())));
        let imported = ImportedDigest::decode(DigestAlgorithm::Sha512, DigestEncoding::Hex, &stored).unwrap();
        let token = ForeignToken::digest(token_text).unwrap();
        assert!(imported.matches(&token));
        assert_eq!(imported.lookup(), token.candidates()[1]);
        assert_ne!(imported.lookup(), token.lookup());
    }

    #[test]
    fn another_token_does_not_match() {
        let imported = ImportedDigest::Sha256(Sha256::digest(TOKEN.as_bytes()).into());
        assert!(!imported.matches(&ForeignToken::digest("prod_3ZaBcdEfGhJkLmNpQs").unwrap()));
    }

    #[test]
    fn the_stored_form_round_trips_and_is_recognised() {
        for imported in [ImportedDigest::Sha256([7; 32]), ImportedDigest::Sha512([9; 64])] {
            let stored = imported.to_stored();
            assert!(ImportedDigest::is_stored_form(&stored));
            assert_eq!(ImportedDigest::from_stored(&stored), Some(imported));
        }
        let argon = SecretHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        assert!(!ImportedDigest::is_stored_form(&argon));
        assert_eq!(ImportedDigest::from_stored(&argon), None);
    }

    #[test]
    fn a_digest_of_the_wrong_length_names_both_lengths() {
        let err = ImportedDigest::decode(DigestAlgorithm::Sha512, DigestEncoding::Hex, &"ab".repeat(32)).unwrap_err();
        assert_eq!(err.to_string(), "decodes to 32 bytes; a sha512 digest has 64");
    }

    #[test]
    fn text_that_is_not_in_the_encoding_is_rejected() {
        for (encoding, text) in
            [(DigestEncoding::Hex, "zz"), (DigestEncoding::Base64, "!!!!"), (DigestEncoding::Base64Url, "a+b/")]
        {
            let err = ImportedDigest::decode(DigestAlgorithm::Sha256, encoding, text).unwrap_err();
            assert_eq!(err, DigestError::NotDecodable(encoding));
        }
    }

    #[test]
    fn unknown_algorithms_and_encodings_are_rejected() {
        assert_eq!("md5".parse::<DigestAlgorithm>(), Err(DigestError::UnknownAlgorithm));
        assert_eq!("base32".parse::<DigestEncoding>(), Err(DigestError::UnknownEncoding));
    }

    #[test]
    fn short_long_or_spaced_text_is_not_a_token() {
        assert!(ForeignToken::digest("short_token_15c").is_none());
        assert!(ForeignToken::digest(&"a".repeat(MAX_FOREIGN_TOKEN_LEN + 1)).is_none());
        assert!(ForeignToken::digest("has a space in the middle").is_none());
        assert!(ForeignToken::digest("ünïcödé_tokens_are_out").is_none());
        assert!(ForeignToken::digest(&"a".repeat(MIN_FOREIGN_TOKEN_LEN)).is_some());
    }

    #[test]
    fn debug_output_never_shows_the_digests() {
        let token = ForeignToken::digest(TOKEN).unwrap();
        let digest = ImportedDigest::Sha256(Sha256::digest(TOKEN.as_bytes()).into());
        let shown = format!("{token:?} {digest:?}");
        assert!(!shown.contains(&hex(&Sha256::digest(TOKEN.as_bytes()))[..8]));
    }
}
