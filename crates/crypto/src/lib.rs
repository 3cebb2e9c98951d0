//! Cryptography adapters: hashing of secrets (argon2id, or HMAC-SHA-256
//! with a server-side pepper), key material from the OS CSPRNG, the
//! signature and claims check of JWT access tokens, and the signature check
//! of GitHub's secret-scanning reports.

mod argon2_secret_hasher;
mod github_public_keys;
mod hmac_secret_hasher;
mod jwt_access_token_verifier;
mod os_secret_generator;
mod schemed_secret_hasher;

pub use argon2_secret_hasher::{Argon2Params, Argon2SecretHasher, InvalidArgon2Params};
pub use github_public_keys::{GithubPublicKeys, PublicKeysError};
pub use hmac_secret_hasher::{HmacSha256SecretHasher, Pepper, PepperTooShort, MIN_PEPPER_BYTES};
pub use jwt_access_token_verifier::{JwtAccessTokenVerifier, JwtConfig, JwtConfigError};
pub use os_secret_generator::OsSecretGenerator;
pub use schemed_secret_hasher::{HashScheme, MissingPepper, SchemedSecretHasher};
