//! The shape of an API key token.
//!
//! `{sk|pk}_{live|test}_{base58(lookup ‖ secret ‖ crc32)}`
//!
//! * `lookup` (16 random bytes) is public: it finds the stored row through a
//!   unique index, so verification never scans.
//! * `secret` (32 bytes = 256 bits from the OS CSPRNG) is what the argon2id
//!   hash protects.
//! * `crc32` covers the prefix, lookup and secret, so a mistyped or truncated
//!   token is rejected before any database read or hash.
//!
//! base58 keeps the body alphanumeric: a double-click selects the whole token.

use std::fmt;

use thiserror::Error;

use crate::environment::{Environment, KeyKind};

const LOOKUP_LEN: usize = 16;
const SECRET_LEN: usize = 32;
const CHECKSUM_LEN: usize = 4;
const BODY_LEN: usize = LOOKUP_LEN + SECRET_LEN + CHECKSUM_LEN;
/// `sk_live_` and its siblings are all eight bytes long.
const PREFIX_LEN: usize = 8;
/// Characters of the body shown in `key_prefix`.
const DISPLAY_BODY_CHARS: usize = 6;

/// The regular expression of a token, as registered with secret scanners
/// (GitHub's partner program; docs/secret-scanning.md): the kind and
/// environment, then the base58 body of 52 bytes, which takes 52 to 72
/// characters (70 to 72 but when its leading bytes are small). Scanners put
/// it between non-word characters or the ends of the text; the checksum
/// tells a real token from a lookalike.
pub const TOKEN_PATTERN: &str = "(?:sk|pk)_(?:live|test)_[1-9A-HJ-NP-Za-km-z]{52,72}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenError {
    #[error("the key is not shaped like a Sesame key")]
    Malformed,
    #[error("the key's checksum does not match; it was mistyped or truncated")]
    BadChecksum,
}

/// The public half of a token; indexes the stored secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LookupId([u8; LOOKUP_LEN]);

impl LookupId {
    pub fn from_bytes(bytes: [u8; LOOKUP_LEN]) -> Self {
        Self(bytes)
    }

    /// Lower-case hex, as stored in the indexed column.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The private half of a token. Its `Debug` never prints the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes([u8; SECRET_LEN]);

impl SecretBytes {
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([redacted])")
    }
}

/// A stored hash in PHC string form, naming its scheme and parameters
/// (`$argon2id$v=19$m=…`, `$hmac-sha256$k=…$…`). Not secret on its own, but
/// never sent to a client either.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(String);

impl SecretHash {
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

/// A whole API key as a client presents it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    kind: KeyKind,
    environment: Environment,
    lookup: LookupId,
    secret: SecretBytes,
}

impl ApiToken {
    pub fn new(kind: KeyKind, environment: Environment, lookup: LookupId, secret: SecretBytes) -> Self {
        Self { kind, environment, lookup, secret }
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    pub fn lookup(&self) -> LookupId {
        self.lookup
    }

    pub fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    fn prefix(kind: KeyKind, environment: Environment) -> String {
        format!("{}_{}_", kind.token_prefix(), environment.as_str())
    }

    fn checksum(prefix: &str, lookup: &[u8], secret: &[u8]) -> [u8; CHECKSUM_LEN] {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(prefix.as_bytes());
        hasher.update(lookup);
        hasher.update(secret);
        hasher.finalize().to_be_bytes()
    }

    /// The plaintext token. Shown to the client once, at creation or rotation.
    pub fn expose(&self) -> String {
        let prefix = Self::prefix(self.kind, self.environment);
        let mut body = Vec::with_capacity(BODY_LEN);
        body.extend_from_slice(&self.lookup.0);
        body.extend_from_slice(&self.secret.0);
        body.extend_from_slice(&Self::checksum(&prefix, &self.lookup.0, &self.secret.0));
        format!("{prefix}{}", bs58::encode(body).into_string())
    }

    /// A short, non-secret label for the token (`sk_live_3xYz9a`): its
    /// first characters, so a person can match a token to its key by eye.
    /// base58 writes the body as one big number whose leading digits come
    /// from its leading bytes, the public lookup id (128 bits, of which these
    /// six characters show about 35): the secret does not show.
    pub fn display_prefix(&self) -> String {
        self.expose().chars().take(PREFIX_LEN + DISPLAY_BODY_CHARS).collect()
    }

    /// Parses and checks a presented token without touching storage.
    pub fn parse(raw: &str) -> Result<Self, TokenError> {
        if raw.len() <= PREFIX_LEN || raw.len() > 128 || !raw.is_ascii() {
            return Err(TokenError::Malformed);
        }
        let (prefix, body) = raw.split_at(PREFIX_LEN);
        let kind = match &prefix[..3] {
            "sk_" => KeyKind::Secret,
            "pk_" => KeyKind::Publishable,
            _ => return Err(TokenError::Malformed),
        };
        let environment = match &prefix[3..] {
            "live_" => Environment::Live,
            "test_" => Environment::Test,
            _ => return Err(TokenError::Malformed),
        };
        let mut bytes = [0u8; BODY_LEN];
        let written = bs58::decode(body).onto(&mut bytes[..]).map_err(|_| TokenError::Malformed)?;
        if written != BODY_LEN {
            return Err(TokenError::Malformed);
        }
        let (lookup, rest) = bytes.split_at(LOOKUP_LEN);
        let (secret, checksum) = rest.split_at(SECRET_LEN);
        if Self::checksum(prefix, lookup, secret) != checksum {
            return Err(TokenError::BadChecksum);
        }
        let mut lookup_arr = [0u8; LOOKUP_LEN];
        lookup_arr.copy_from_slice(lookup);
        let mut secret_arr = [0u8; SECRET_LEN];
        secret_arr.copy_from_slice(secret);
        Ok(Self::new(kind, environment, LookupId(lookup_arr), SecretBytes(secret_arr)))
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiToken({}…[redacted])", self.display_prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(kind: KeyKind, env: Environment) -> ApiToken {
        ApiToken::new(kind, env, LookupId([7; 16]), SecretBytes([42; 32]))
    }

    #[test]
    fn a_token_round_trips_through_its_text_form() {
        for kind in [KeyKind::Secret, KeyKind::Publishable] {
            for env in [Environment::Live, Environment::Test] {
                let original = token(kind, env);
                let parsed = ApiToken::parse(&original.expose()).unwrap();
                assert_eq!(parsed, original);
            }
        }
    }

    #[test]
    fn the_text_form_starts_with_kind_and_environment() {
        assert!(token(KeyKind::Secret, Environment::Live).expose().starts_with("sk_live_"));
        assert!(token(KeyKind::Publishable, Environment::Test).expose().starts_with("pk_test_"));
    }

    #[test]
    fn a_single_mistyped_character_fails_the_checksum() {
        let text = token(KeyKind::Secret, Environment::Live).expose();
        let mut chars: Vec<char> = text.chars().collect();
        let i = chars.len() - 10;
        chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert!(matches!(ApiToken::parse(&typo), Err(TokenError::BadChecksum | TokenError::Malformed)));
    }

    #[test]
    fn changing_the_environment_prefix_fails_the_checksum() {
        let text = token(KeyKind::Secret, Environment::Live).expose();
        let swapped = text.replacen("sk_live_", "sk_test_", 1);
        assert_eq!(ApiToken::parse(&swapped), Err(TokenError::BadChecksum));
    }

    #[test]
    fn garbage_is_malformed() {
        for raw in ["", "sk_live_", "hello", "sk_prod_abc", "sk_live_0OIl", "sk_live_abc"] {
            assert_eq!(ApiToken::parse(raw), Err(TokenError::Malformed), "{raw}");
        }
    }

    #[test]
    fn debug_output_never_contains_the_secret() {
        let t = token(KeyKind::Secret, Environment::Live);
        let debug = format!("{t:?} {:?}", t.secret());
        assert!(!debug.contains(&t.expose()[8..]));
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn the_display_prefix_does_not_depend_on_the_secret() {
        let a = ApiToken::new(KeyKind::Secret, Environment::Live, LookupId([7; 16]), SecretBytes([0; 32]));
        let b = ApiToken::new(KeyKind::Secret, Environment::Live, LookupId([7; 16]), SecretBytes([255; 32]));
        assert_eq!(a.display_prefix(), b.display_prefix());
    }

    #[test]
    fn the_display_prefix_is_the_start_of_the_token() {
        let t = token(KeyKind::Secret, Environment::Live);
        let prefix = t.display_prefix();
        assert_eq!(prefix.len(), 14);
        assert!(t.expose().starts_with(&prefix));
    }
}
