//! GitHub's secret-scanning public keys: the document GitHub serves at
//! `https://api.github.com/meta/public_keys/secret_scanning`, read from a
//! file (the list cannot be fetched at run time everywhere Sesame runs),
//! and the ECDSA P-256 / SHA-256 check of a report's signature.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;
use sesame_domain::ports::{ReportSignatures, SignatureError};
use thiserror::Error;

/// Why the public-key file cannot be used; names the file and the key.
#[derive(Debug, Error)]
pub enum PublicKeysError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not GitHub's public-key document ({{\"public_keys\": [{{\"key_identifier\", \"key\"}}]}}): {reason}")]
    Invalid { path: String, reason: String },
}

#[derive(Deserialize)]
struct Document {
    public_keys: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    key_identifier: String,
    /// A PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of a P-256 key.
    key: String,
}

/// The partner's public keys by identifier. Every key of the document is
/// accepted, current or not: GitHub signs with the old key for a while
/// after a rotation.
#[derive(Debug, Clone)]
pub struct GithubPublicKeys {
    keys: HashMap<String, VerifyingKey>,
}

impl GithubPublicKeys {
    /// # Errors
    /// An unreadable file, or a document without keys or with a key that is
    /// not a P-256 public key in PEM.
    pub fn from_file(path: &Path) -> Result<Self, PublicKeysError> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| PublicKeysError::Read { path: shown.clone(), source })?;
        Self::from_document(&text).map_err(|reason| PublicKeysError::Invalid { path: shown, reason })
    }

    /// # Errors
    /// What is wrong with the document, in words.
    pub fn from_document(json: &str) -> Result<Self, String> {
        let document: Document = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if document.public_keys.is_empty() {
            return Err("`public_keys` is empty".to_owned());
        }
        let mut keys = HashMap::new();
        for entry in document.public_keys {
            let id = entry.key_identifier.trim().to_owned();
            if id.is_empty() {
                return Err("a key has an empty `key_identifier`".to_owned());
            }
            let key = VerifyingKey::from_public_key_pem(entry.key.trim())
                .map_err(|e| format!("the key `{id}` is not a P-256 public key in PEM: {e}"))?;
            if keys.insert(id.clone(), key).is_some() {
                return Err(format!("the key identifier `{id}` appears twice"));
            }
        }
        Ok(Self { keys })
    }

    /// The identifiers of the keys, sorted.
    pub fn identifiers(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

impl ReportSignatures for GithubPublicKeys {
    fn verify(&self, key_identifier: &str, signature: &str, body: &[u8]) -> Result<(), SignatureError> {
        let key = self.keys.get(key_identifier.trim()).ok_or(SignatureError::UnknownKey)?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| SignatureError::Malformed)?;
        let signature = Signature::from_der(&der).map_err(|_| SignatureError::Malformed)?;
        // SHA-256 over the raw body, as sent: never a re-serialization.
        key.verify(body, &signature).map_err(|_| SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::SigningKey;
    use p256::pkcs8::{EncodePublicKey, LineEnding};

    /// The example of GitHub's partner-program documentation (Python sample).
    const GITHUB_KEY_ID: &str = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";
    const GITHUB_KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq\nkCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==\n-----END PUBLIC KEY-----\n";
    const GITHUB_PAYLOAD: &[u8] = br#"[{"token":"some_token","type":"some_type","url":"some_url"}]"#;
    const GITHUB_SIGNATURE: &str =
        "MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc=";

    fn document(entries: &[(&str, &str)]) -> String {
        let keys: Vec<_> = entries
            .iter()
            .map(|(id, pem)| serde_json::json!({"key_identifier": id, "key": pem, "is_current": true}))
            .collect();
        serde_json::json!({ "public_keys": keys }).to_string()
    }

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32].into()).unwrap()
    }

    fn pem(key: &SigningKey) -> String {
        key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()
    }

    fn sign(key: &SigningKey, body: &[u8]) -> String {
        let signature: Signature = key.sign(body);
        base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
    }

    #[test]
    fn githubs_own_example_verifies() {
        let keys = GithubPublicKeys::from_document(&document(&[(GITHUB_KEY_ID, GITHUB_KEY)])).unwrap();
        assert_eq!(keys.verify(GITHUB_KEY_ID, GITHUB_SIGNATURE, GITHUB_PAYLOAD), Ok(()));
        let mut tampered = GITHUB_PAYLOAD.to_vec();
        tampered[11] = b'S';
        assert_eq!(keys.verify(GITHUB_KEY_ID, GITHUB_SIGNATURE, &tampered), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_report_signed_by_any_listed_key_verifies_and_nothing_else_does() {
        let (old, current, stranger) = (signing_key(1), signing_key(2), signing_key(3));
        let keys =
            GithubPublicKeys::from_document(&document(&[("old", &pem(&old)), ("current", &pem(&current))])).unwrap();
        let body = br#"[{"token":"sk_live_x","type":"sesame","url":"https://github.com/o/r","source":"content"}]"#;

        assert_eq!(keys.verify("current", &sign(&current, body), body), Ok(()));
        assert_eq!(keys.verify("old", &sign(&old, body), body), Ok(()), "a key rotated out still verifies");
        assert_eq!(keys.verify("old", &sign(&current, body), body), Err(SignatureError::Mismatch));
        assert_eq!(keys.verify("current", &sign(&stranger, body), body), Err(SignatureError::Mismatch));
        assert_eq!(keys.verify("nobody", &sign(&current, body), body), Err(SignatureError::UnknownKey));
        assert_eq!(keys.verify("current", "not base64!", body), Err(SignatureError::Malformed));
        assert_eq!(keys.verify("current", "AAAA", body), Err(SignatureError::Malformed));
        assert_eq!(keys.identifiers(), vec!["current", "old"]);
    }

    #[test]
    fn a_document_that_cannot_be_used_is_refused_with_the_reason() {
        for (json, reason) in [
            ("{}".to_owned(), "missing field `public_keys`"),
            (r#"{"public_keys": []}"#.to_owned(), "empty"),
            (document(&[("k", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]), "the key `k`"),
            (document(&[("k", &pem(&signing_key(1))), ("k", &pem(&signing_key(2)))]), "twice"),
            (document(&[(" ", &pem(&signing_key(1)))]), "empty `key_identifier`"),
        ] {
            let err = GithubPublicKeys::from_document(&json).unwrap_err();
            assert!(err.contains(reason), "{err}");
        }
        let missing = GithubPublicKeys::from_file(Path::new("/nonexistent/keys.json")).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/keys.json"), "{missing}");
    }
}
