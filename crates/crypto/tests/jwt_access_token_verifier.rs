//! Real tokens, signed here with `jsonwebtoken::encode` and the test-only
//! keys in `tests/fixtures`, against the real verifier.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use sesame_crypto::{JwtAccessTokenVerifier, JwtConfig, JwtConfigError};
use sesame_domain::ports::{AccessTokenClaims, AccessTokenError, AccessTokenVerifier};
use sesame_domain::{Environment, OrganizationId, ScopeSet};

const SECRET: &str = "test-only-hs256-secret-0123456789abcdef";
const ORG: &str = "org_01890a5d-ac96-774b-bcce-b302099a8057";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// The instant `jsonwebtoken` checks `exp` and `nbf` against.
fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
}

fn claims() -> Value {
    json!({
        "sub": "user_42",
        "org_id": ORG,
        "scope": "api_keys.create api_keys.read",
        "exp": now() + 600,
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn hs256_token(claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

fn rs256_token(claims: &Value, kid: Option<&str>, private_key: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_rsa_pem(&read_fixture(private_key)).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn verifier(config: JwtConfig) -> JwtAccessTokenVerifier {
    JwtAccessTokenVerifier::new(&config).unwrap().expect("a key source is configured")
}

fn hs256_verifier() -> JwtAccessTokenVerifier {
    verifier(JwtConfig { hs256_secret: Some(SECRET.into()), ..JwtConfig::default() })
}

fn pem_verifier() -> JwtAccessTokenVerifier {
    verifier(JwtConfig { rs256_public_key_pem: Some(fixture("rsa_public.pem")), ..JwtConfig::default() })
}

fn jwks_verifier(file: &str) -> JwtAccessTokenVerifier {
    verifier(JwtConfig { jwks_path: Some(fixture(file)), ..JwtConfig::default() })
}

fn invalid_reason(result: Result<AccessTokenClaims, AccessTokenError>) -> String {
    match result {
        Err(AccessTokenError::Invalid(reason)) => reason,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

// --- accepted tokens ---

#[test]
fn hs256_token_signed_with_the_configured_secret_yields_its_claims() {
    let exp = now() + 600;
    let token = hs256_token(&with(claims(), "exp", json!(exp)));

    let verified = hs256_verifier().verify(&token).unwrap();

    assert_eq!(
        verified,
        AccessTokenClaims {
            subject: "user_42".into(),
            organization_id: ORG.parse::<OrganizationId>().unwrap(),
            environment: Environment::Live,
            scopes: ScopeSet::parse(["api_keys.create", "api_keys.read"]).unwrap(),
            expires_at: DateTime::<Utc>::from_timestamp(exp, 0).unwrap(),
        }
    );
}

#[test]
fn rs256_token_is_verified_with_the_configured_public_key_pem() {
    let token = rs256_token(&claims(), None, "rsa_private.pem");
    assert_eq!(pem_verifier().verify(&token).unwrap().subject, "user_42");
}

#[test]
fn jwks_key_is_chosen_by_the_tokens_kid() {
    let verifier = jwks_verifier("jwks.json");
    let first = rs256_token(&claims(), Some("sesame-test-1"), "rsa_private.pem");
    let second = rs256_token(&claims(), Some("sesame-test-2"), "other_rsa_private.pem");

    assert!(verifier.verify(&first).is_ok());
    assert!(verifier.verify(&second).is_ok());
}

#[test]
fn token_without_kid_is_accepted_when_the_jwks_has_exactly_one_key() {
    let token = rs256_token(&claims(), None, "rsa_private.pem");
    assert!(jwks_verifier("jwks_single.json").verify(&token).is_ok());
}

#[test]
fn env_claim_selects_the_environment() {
    let token = hs256_token(&with(claims(), "env", json!("test")));
    assert_eq!(hs256_verifier().verify(&token).unwrap().environment, Environment::Test);
}

#[test]
fn scope_string_and_scopes_array_grant_the_same_scopes() {
    let as_string = hs256_token(&with(claims(), "scope", json!("api_keys.read  api_keys.create")));
    let as_array =
        hs256_token(&with(without(claims(), "scope"), "scopes", json!(["api_keys.create", "api_keys.read"])));
    let expected = ScopeSet::parse(["api_keys.create", "api_keys.read"]).unwrap();

    assert_eq!(hs256_verifier().verify(&as_string).unwrap().scopes, expected);
    assert_eq!(hs256_verifier().verify(&as_array).unwrap().scopes, expected);
}

#[test]
fn token_without_scopes_grants_none() {
    let token = hs256_token(&without(claims(), "scope"));
    assert!(hs256_verifier().verify(&token).unwrap().scopes.is_empty());
}

#[test]
fn matching_issuer_and_audience_are_accepted() {
    let verifier = verifier(JwtConfig {
        hs256_secret: Some(SECRET.into()),
        issuer: Some("https://auth.example.com/".into()),
        audience: Some("sesame".into()),
        ..JwtConfig::default()
    });
    let token = hs256_token(&with(
        with(claims(), "iss", json!("https://auth.example.com/")),
        "aud",
        json!(["billing", "sesame"]),
    ));
    assert!(verifier.verify(&token).is_ok());
}

#[test]
fn audience_in_the_token_is_ignored_when_none_is_configured() {
    let token = hs256_token(&with(claims(), "aud", json!("anything")));
    assert!(hs256_verifier().verify(&token).is_ok());
}

// --- signatures and algorithms ---

#[test]
fn token_whose_kid_is_not_in_the_jwks_is_rejected() {
    let token = rs256_token(&claims(), Some("unknown-kid"), "rsa_private.pem");
    let reason = invalid_reason(jwks_verifier("jwks.json").verify(&token));
    assert!(reason.contains("kid"), "{reason}");
    assert!(!reason.contains("unknown-kid"), "the caller's kid is not echoed: {reason}");
}

#[test]
fn token_without_kid_is_rejected_when_the_jwks_has_several_keys() {
    let token = rs256_token(&claims(), None, "rsa_private.pem");
    assert!(invalid_reason(jwks_verifier("jwks.json").verify(&token)).contains("kid"));
}

#[test]
fn token_signed_by_another_key_under_a_known_kid_is_rejected() {
    let token = rs256_token(&claims(), Some("sesame-test-1"), "other_rsa_private.pem");
    assert_eq!(invalid_reason(jwks_verifier("jwks.json").verify(&token)), "the signature does not match");
}

#[test]
fn rs256_token_signed_by_another_key_is_rejected() {
    let token = rs256_token(&claims(), None, "other_rsa_private.pem");
    assert_eq!(invalid_reason(pem_verifier().verify(&token)), "the signature does not match");
}

#[test]
fn hs256_token_signed_with_another_secret_is_rejected() {
    let other = EncodingKey::from_secret(b"another-secret-that-is-long-enough-too");
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(), &other).unwrap();
    assert_eq!(invalid_reason(hs256_verifier().verify(&token)), "the signature does not match");
}

#[test]
fn tampered_payload_is_rejected() {
    let token = hs256_token(&claims());
    let forged_payload = hs256_token(&with(claims(), "org_id", json!("org_01890a5d-ac96-774b-bcce-000000000000")));
    let parts: Vec<&str> = token.split('.').collect();
    let forged: Vec<&str> = forged_payload.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], forged[1], parts[2]);
    assert_eq!(invalid_reason(hs256_verifier().verify(&tampered)), "the signature does not match");
}

/// The classic confusion: the RSA public key is public, so if an RS256
/// verifier honoured `alg: HS256` anyone could sign with it as the secret.
#[test]
fn hs256_token_signed_with_the_rsa_public_key_is_rejected_by_an_rs256_verifier() {
    let public_key_bytes = read_fixture("rsa_public.pem");
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(), &EncodingKey::from_secret(&public_key_bytes))
            .unwrap();

    assert_eq!(invalid_reason(pem_verifier().verify(&token)), "its algorithm is not accepted");
    assert_eq!(invalid_reason(jwks_verifier("jwks_single.json").verify(&token)), "its algorithm is not accepted");
}

#[test]
fn rs256_token_is_rejected_by_an_hs256_verifier() {
    let token = rs256_token(&claims(), None, "rsa_private.pem");
    assert_eq!(invalid_reason(hs256_verifier().verify(&token)), "its algorithm is not accepted");
}

#[test]
fn other_algorithms_of_the_same_family_are_rejected() {
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims(), &EncodingKey::from_secret(SECRET.as_bytes()))
            .unwrap();
    assert_eq!(invalid_reason(hs256_verifier().verify(&token)), "its algorithm is not accepted");
}

#[test]
fn unsigned_alg_none_token_is_rejected() {
    // {"alg":"none","typ":"JWT"}
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
    let signed = hs256_token(&claims());
    let parts: Vec<&str> = signed.split('.').collect();

    for token in [format!("{none_header}.{}.", parts[1]), format!("{none_header}.{}.{}", parts[1], parts[2])] {
        let reason = invalid_reason(hs256_verifier().verify(&token));
        assert!(!reason.contains(parts[1]), "the token is not echoed: {reason}");
        assert!(pem_verifier().verify(&token).is_err());
        assert!(jwks_verifier("jwks_single.json").verify(&token).is_err());
    }
}

#[test]
fn garbage_is_rejected_as_malformed() {
    for token in ["", "not-a-jwt", "a.b.c", "eyJ.eyJ.sig"] {
        assert_eq!(invalid_reason(hs256_verifier().verify(token)), "it is not a well-formed JWT", "{token:?}");
    }
}

// --- lifetime ---

#[test]
fn expired_token_is_reported_as_expired() {
    let token = hs256_token(&with(claims(), "exp", json!(now() - 120)));
    assert_eq!(hs256_verifier().verify(&token), Err(AccessTokenError::Expired));
}

#[test]
fn leeway_tolerates_a_slightly_expired_token() {
    let token = hs256_token(&with(claims(), "exp", json!(now() - 30)));
    let lenient = verifier(JwtConfig { hs256_secret: Some(SECRET.into()), leeway_secs: 60, ..JwtConfig::default() });
    assert!(lenient.verify(&token).is_ok());
    assert_eq!(hs256_verifier().verify(&token), Err(AccessTokenError::Expired));
}

#[test]
fn token_without_exp_is_rejected() {
    let token = hs256_token(&without(claims(), "exp"));
    assert_eq!(invalid_reason(hs256_verifier().verify(&token)), "claim `exp` is missing");
}

#[test]
fn token_used_before_its_nbf_is_rejected() {
    let token = hs256_token(&with(claims(), "nbf", json!(now() + 300)));
    assert!(invalid_reason(hs256_verifier().verify(&token)).contains("nbf"));
}

// --- claims ---

#[test]
fn missing_org_id_is_rejected_naming_the_claim() {
    let token = hs256_token(&without(claims(), "org_id"));
    assert_eq!(invalid_reason(hs256_verifier().verify(&token)), "claim `org_id` is missing");
}

#[test]
fn missing_or_empty_sub_is_rejected_naming_the_claim() {
    let missing = hs256_token(&without(claims(), "sub"));
    let empty = hs256_token(&with(claims(), "sub", json!("")));
    assert_eq!(invalid_reason(hs256_verifier().verify(&missing)), "claim `sub` is missing");
    assert!(invalid_reason(hs256_verifier().verify(&empty)).contains("`sub`"));
}

#[test]
fn malformed_org_id_is_rejected_naming_the_claim() {
    for org in [json!("acme"), json!("org_not-a-uuid"), json!(42)] {
        let token = hs256_token(&with(claims(), "org_id", org));
        assert!(invalid_reason(hs256_verifier().verify(&token)).starts_with("claim `org_id`"));
    }
}

#[test]
fn unknown_env_is_rejected_naming_the_claim() {
    let token = hs256_token(&with(claims(), "env", json!("staging")));
    assert_eq!(invalid_reason(hs256_verifier().verify(&token)), "claim `env` must be `live` or `test`");
}

#[test]
fn unknown_scope_is_rejected_naming_the_scope() {
    let as_string = hs256_token(&with(claims(), "scope", json!("api_keys.read openid")));
    let as_array = hs256_token(&with(without(claims(), "scope"), "scopes", json!(["api_keys.read", "openid"])));
    assert_eq!(invalid_reason(hs256_verifier().verify(&as_string)), "unknown scope `openid`");
    assert_eq!(invalid_reason(hs256_verifier().verify(&as_array)), "unknown scope `openid`");
}

#[test]
fn scope_and_scopes_together_are_rejected_as_ambiguous() {
    let token = hs256_token(&with(claims(), "scopes", json!(["api_keys.read"])));
    assert!(invalid_reason(hs256_verifier().verify(&token)).contains("both"));
}

#[test]
fn issuer_mismatch_or_absence_is_rejected() {
    let verifier = verifier(JwtConfig {
        hs256_secret: Some(SECRET.into()),
        issuer: Some("https://auth.example.com/".into()),
        ..JwtConfig::default()
    });
    let wrong = hs256_token(&with(claims(), "iss", json!("https://evil.example.com/")));
    let absent = hs256_token(&claims());
    assert_eq!(invalid_reason(verifier.verify(&wrong)), "claim `iss` is not the expected issuer");
    assert_eq!(invalid_reason(verifier.verify(&absent)), "claim `iss` is missing");
}

#[test]
fn audience_mismatch_or_absence_is_rejected() {
    let verifier = verifier(JwtConfig {
        hs256_secret: Some(SECRET.into()),
        audience: Some("sesame".into()),
        ..JwtConfig::default()
    });
    let wrong = hs256_token(&with(claims(), "aud", json!(["billing"])));
    let absent = hs256_token(&claims());
    assert_eq!(invalid_reason(verifier.verify(&wrong)), "claim `aud` does not name this service");
    assert_eq!(invalid_reason(verifier.verify(&absent)), "claim `aud` is missing");
}

// --- configuration ---

#[test]
fn no_key_source_means_access_tokens_are_not_accepted() {
    let config = JwtConfig { issuer: Some("https://auth.example.com/".into()), ..JwtConfig::default() };
    assert!(JwtAccessTokenVerifier::new(&config).unwrap().is_none());
}

#[test]
fn hs256_secret_shorter_than_32_bytes_is_a_config_error_that_hides_it() {
    let short = "s3cr3t-but-only-31-bytes-long!!";
    let err = JwtAccessTokenVerifier::new(&JwtConfig { hs256_secret: Some(short.into()), ..JwtConfig::default() })
        .unwrap_err();
    assert!(matches!(err, JwtConfigError::Hs256SecretTooShort { len: 31 }), "{err:?}");
    assert!(err.to_string().contains("at least 32 bytes"));
    assert!(!err.to_string().contains(short) && !format!("{err:?}").contains(short));
}

#[test]
fn several_key_sources_are_a_config_error() {
    let config =
        JwtConfig { hs256_secret: Some(SECRET.into()), jwks_path: Some(fixture("jwks.json")), ..JwtConfig::default() };
    let err = JwtAccessTokenVerifier::new(&config).unwrap_err();
    assert!(matches!(err, JwtConfigError::SeveralKeySources(_)), "{err:?}");
}

#[test]
fn unreadable_key_files_are_config_errors_naming_the_file() {
    let missing = fixture("does-not-exist.pem");
    for config in [
        JwtConfig { rs256_public_key_pem: Some(missing.clone()), ..JwtConfig::default() },
        JwtConfig { jwks_path: Some(missing.clone()), ..JwtConfig::default() },
    ] {
        let err = JwtAccessTokenVerifier::new(&config).unwrap_err();
        assert!(matches!(err, JwtConfigError::Unreadable { .. }), "{err:?}");
        assert!(err.to_string().contains("does-not-exist.pem"), "{err}");
    }
}

#[test]
fn files_that_are_not_keys_are_config_errors_naming_the_file() {
    let not_pem = JwtConfig { rs256_public_key_pem: Some(fixture("jwks.json")), ..JwtConfig::default() };
    let err = JwtAccessTokenVerifier::new(&not_pem).unwrap_err();
    assert!(matches!(err, JwtConfigError::InvalidPem { .. }), "{err:?}");
    assert!(err.to_string().contains("jwks.json"), "{err}");

    let not_jwks = JwtConfig { jwks_path: Some(fixture("rsa_public.pem")), ..JwtConfig::default() };
    let err = JwtAccessTokenVerifier::new(&not_jwks).unwrap_err();
    assert!(matches!(err, JwtConfigError::InvalidJwks { .. }), "{err:?}");
    assert!(err.to_string().contains("rsa_public.pem"), "{err}");
}

#[test]
fn a_private_key_pem_is_refused_in_place_of_the_public_key() {
    let config = JwtConfig { rs256_public_key_pem: Some(fixture("rsa_private.pem")), ..JwtConfig::default() };
    let err = JwtAccessTokenVerifier::new(&config).unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");
}

#[test]
fn debug_output_never_shows_the_secret() {
    let config = JwtConfig { hs256_secret: Some(SECRET.into()), ..JwtConfig::default() };
    assert!(!format!("{config:?}").contains(SECRET));
    assert!(!format!("{:?}", verifier(config)).contains(SECRET));
}
