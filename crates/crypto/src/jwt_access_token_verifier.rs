use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use thiserror::Error;

use sesame_domain::ports::{AccessTokenClaims, AccessTokenError, AccessTokenVerifier};
use sesame_domain::{Environment, OrganizationId, ScopeSet};

/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
const MIN_HS256_SECRET_BYTES: usize = 32;

/// Where the auth provider's verification keys come from. Exactly one key
/// source may be set; none means access tokens are not accepted. Read
/// straight from the server's settings (`[access_tokens]`).
#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwtConfig {
    /// Shared secret (its UTF-8 bytes) → HS256.
    pub hs256_secret: Option<String>,
    /// PEM file holding the provider's RSA public key → RS256.
    pub rs256_public_key_pem: Option<PathBuf>,
    /// JWKS JSON file → RS256, key chosen by the token's `kid`.
    pub jwks_path: Option<PathBuf>,
    /// When set, `iss` must equal it.
    pub issuer: Option<String>,
    /// When set, `aud` must contain it.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway_secs: u64,
}

// By hand so the shared secret never reaches a log.
impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("hs256_secret", &self.hs256_secret.as_ref().map(|_| "<redacted>"))
            .field("rs256_public_key_pem", &self.rs256_public_key_pem)
            .field("jwks_path", &self.jwks_path)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

/// Why the access-token configuration cannot be used. Fatal at start-up:
/// a misconfigured provider must not silently turn into "tokens refused".
#[derive(Debug, Error)]
pub enum JwtConfigError {
    #[error("configure only one access-token key source (HS256 secret, RS256 public key PEM or JWKS file), not {0}")]
    SeveralKeySources(String),
    #[error("the HS256 secret is {len} bytes; it must be at least {MIN_HS256_SECRET_BYTES} bytes (RFC 7518 §3.2), or it can be brute-forced offline from any token")]
    Hs256SecretTooShort { len: usize },
    #[error("cannot read {what} `{}`", path.display())]
    Unreadable {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not an RSA public key in PEM form: {reason}", path.display())]
    InvalidPem { path: PathBuf, reason: String },
    #[error("`{}` is not a usable JWKS file: {reason}", path.display())]
    InvalidJwks { path: PathBuf, reason: String },
}

/// A verification key, with the `kid` it answers to when it came from a JWKS.
struct Key {
    kid: Option<String>,
    decoding: DecodingKey,
}

/// Verifies access tokens from the configured auth provider with
/// `jsonwebtoken`: HS256 for a shared secret, RS256 for a PEM or JWKS.
///
/// Only the configured key source's algorithm is accepted, which rules out
/// `alg: none` and the HS256-with-the-RSA-public-key confusion.
pub struct JwtAccessTokenVerifier {
    keys: Vec<Key>,
    /// Keys come from a JWKS, so the token's `kid` picks one.
    by_kid: bool,
    validation: Validation,
}

// By hand: `DecodingKey` holds the HS256 secret.
impl fmt::Debug for JwtAccessTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAccessTokenVerifier")
            .field("algorithms", &self.validation.algorithms)
            .field("kids", &self.keys.iter().map(|key| key.kid.as_deref()).collect::<Vec<_>>())
            .field("issuer", &self.validation.iss)
            .field("audience", &self.validation.aud)
            .field("leeway_secs", &self.validation.leeway)
            .finish_non_exhaustive()
    }
}

impl JwtAccessTokenVerifier {
    /// Loads the configured key source; `Ok(None)` when none is configured.
    ///
    /// # Errors
    /// When several key sources are set, the HS256 secret is too short, or a
    /// key file is unreadable or holds no usable RSA key.
    pub fn new(config: &JwtConfig) -> Result<Option<Self>, JwtConfigError> {
        let sources: Vec<&str> = [
            config.hs256_secret.as_ref().map(|_| "HS256 secret"),
            config.rs256_public_key_pem.as_ref().map(|_| "RS256 public key PEM"),
            config.jwks_path.as_ref().map(|_| "JWKS file"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if sources.len() > 1 {
            return Err(JwtConfigError::SeveralKeySources(sources.join(" and ")));
        }

        let (algorithm, keys, by_kid) = if let Some(secret) = &config.hs256_secret {
            if secret.len() < MIN_HS256_SECRET_BYTES {
                return Err(JwtConfigError::Hs256SecretTooShort { len: secret.len() });
            }
            (Algorithm::HS256, vec![Key { kid: None, decoding: DecodingKey::from_secret(secret.as_bytes()) }], false)
        } else if let Some(path) = &config.rs256_public_key_pem {
            (Algorithm::RS256, vec![load_pem(path)?], false)
        } else if let Some(path) = &config.jwks_path {
            (Algorithm::RS256, load_jwks(path)?, true)
        } else {
            return Ok(None);
        };

        let mut validation = Validation::new(algorithm);
        validation.leeway = config.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required = vec!["exp"];
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &config.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            // Otherwise jsonwebtoken refuses every token that carries an `aud`.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);

        Ok(Some(Self { keys, by_kid, validation }))
    }

    fn key_for(&self, token: &str) -> Result<&DecodingKey, AccessTokenError> {
        if !self.by_kid {
            return Ok(&self.keys[0].decoding);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|err| invalid_from(err.kind()))?;
        match header.kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|key| key.kid.as_deref() == Some(kid.as_str()))
                .map(|key| &key.decoding)
                // The kid is the caller's input: not echoed back.
                .ok_or_else(|| invalid("no configured key matches its `kid`")),
            None => match self.keys.as_slice() {
                [only] => Ok(&only.decoding),
                _ => Err(invalid("it has no `kid` and several keys are configured")),
            },
        }
    }
}

impl AccessTokenVerifier for JwtAccessTokenVerifier {
    fn verify(&self, token: &str) -> Result<AccessTokenClaims, AccessTokenError> {
        let key = self.key_for(token)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &self.validation).map_err(|err| match err
            .kind()
        {
            ErrorKind::ExpiredSignature => AccessTokenError::Expired,
            kind => invalid_from(kind),
        })?;
        claims_from(&data.claims)
    }
}

fn load_pem(path: &Path) -> Result<Key, JwtConfigError> {
    let pem = std::fs::read(path).map_err(|source| JwtConfigError::Unreadable {
        what: "the RS256 public key PEM",
        path: path.to_owned(),
        source,
    })?;
    let bad = |reason: &str| JwtConfigError::InvalidPem { path: path.to_owned(), reason: reason.to_owned() };
    // jsonwebtoken would take a PKCS#1 private key and fail every token later;
    // and the private key has no business on this server.
    if String::from_utf8_lossy(&pem).contains("PRIVATE KEY") {
        return Err(bad("it holds a private key; configure the public key"));
    }
    let decoding = DecodingKey::from_rsa_pem(&pem).map_err(|err| bad(&err.to_string()))?;
    Ok(Key { kid: None, decoding })
}

/// The JWKS keys usable for RS256 signatures. Keys for other algorithms or
/// for encryption are skipped, since a provider's set may mix them.
fn load_jwks(path: &Path) -> Result<Vec<Key>, JwtConfigError> {
    let json = std::fs::read(path).map_err(|source| JwtConfigError::Unreadable {
        what: "the JWKS file",
        path: path.to_owned(),
        source,
    })?;
    let bad = |reason: String| JwtConfigError::InvalidJwks { path: path.to_owned(), reason };
    let set: JwkSet = serde_json::from_slice(&json).map_err(|err| bad(err.to_string()))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else { continue };
        let for_signing = matches!(jwk.common.public_key_use, None | Some(PublicKeyUse::Signature));
        let for_rs256 = matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256));
        if !(for_signing && for_rs256) {
            continue;
        }
        let kid = jwk.common.key_id.clone();
        let decoding = DecodingKey::from_rsa_components(&rsa.n, &rsa.e)
            .map_err(|err| bad(format!("key `{}`: {err}", kid.as_deref().unwrap_or("without kid"))))?;
        keys.push(Key { kid, decoding });
    }
    match keys.len() {
        0 => Err(bad("it has no RSA key for RS256 signatures".to_owned())),
        1 => Ok(keys),
        // With several keys the token's `kid` must pick exactly one.
        _ if keys.iter().any(|key| key.kid.is_none()) => {
            Err(bad("it has several RS256 keys and not all of them have a `kid`".to_owned()))
        }
        _ => Ok(keys),
    }
}

fn claims_from(claims: &Map<String, Value>) -> Result<AccessTokenClaims, AccessTokenError> {
    let subject = match claims.get("sub") {
        None | Some(Value::Null) => return Err(invalid("claim `sub` is missing")),
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        Some(_) => return Err(invalid("claim `sub` must be a non-empty string")),
    };
    let organization_id = match claims.get("org_id") {
        None | Some(Value::Null) => return Err(invalid("claim `org_id` is missing")),
        Some(Value::String(org)) => {
            org.parse::<OrganizationId>().map_err(|err| AccessTokenError::Invalid(format!("claim `org_id` {err}")))?
        }
        Some(_) => return Err(invalid("claim `org_id` must be a string")),
    };
    let environment = match claims.get("env") {
        None | Some(Value::Null) => Environment::Live,
        Some(Value::String(env)) => {
            env.parse::<Environment>().map_err(|err| AccessTokenError::Invalid(format!("claim `env` {err}")))?
        }
        Some(_) => return Err(invalid("claim `env` must be a string")),
    };
    let scopes = scopes_from(claims)?;
    // jsonwebtoken has checked `exp` is present and unexpired; it may be fractional.
    let expires_at = claims
        .get("exp")
        .and_then(|exp| exp.as_i64().or_else(|| exp.as_f64().map(|secs| secs as i64)))
        .and_then(|exp| DateTime::<Utc>::from_timestamp(exp, 0))
        .ok_or_else(|| invalid("claim `exp` must be a number of seconds since the epoch"))?;
    Ok(AccessTokenClaims { subject, organization_id, environment, scopes, expires_at })
}

/// `scope` (space-separated string, RFC 9068) or `scopes` (array of
/// strings); both at once is ambiguous and refused. Neither: no scopes.
fn scopes_from(claims: &Map<String, Value>) -> Result<ScopeSet, AccessTokenError> {
    let names: Vec<&str> = match (claims.get("scope"), claims.get("scopes")) {
        (Some(_), Some(_)) => return Err(invalid("claims `scope` and `scopes` are both present; use one")),
        (Some(Value::String(scope)), None) => scope.split_whitespace().collect(),
        (Some(_), None) => return Err(invalid("claim `scope` must be a space-separated string")),
        (None, Some(Value::Array(scopes))) => scopes
            .iter()
            .map(|scope| scope.as_str().ok_or_else(|| invalid("claim `scopes` must be an array of strings")))
            .collect::<Result<_, _>>()?,
        (None, Some(_)) => return Err(invalid("claim `scopes` must be an array of strings")),
        (None, None) => Vec::new(),
    };
    ScopeSet::parse(names).map_err(|err| AccessTokenError::Invalid(err.to_string()))
}

fn invalid(reason: &str) -> AccessTokenError {
    AccessTokenError::Invalid(reason.to_owned())
}

/// Client-safe wording for jsonwebtoken's failures (never the token itself).
fn invalid_from(kind: &ErrorKind) -> AccessTokenError {
    let reason = match kind {
        ErrorKind::InvalidSignature => "the signature does not match".to_owned(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => "its algorithm is not accepted".to_owned(),
        ErrorKind::ImmatureSignature => "it is not valid yet (`nbf`)".to_owned(),
        ErrorKind::InvalidIssuer => "claim `iss` is not the expected issuer".to_owned(),
        ErrorKind::InvalidAudience => "claim `aud` does not name this service".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("claim `{claim}` is missing"),
        ErrorKind::ExpiredSignature => "it expired".to_owned(),
        _ => "it is not a well-formed JWT".to_owned(),
    };
    AccessTokenError::Invalid(reason)
}
