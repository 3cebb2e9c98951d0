//! Cryptography adapters: argon2id hashing of secrets, key material from the
//! OS CSPRNG, the signature and claims check of JWT access tokens, and the
//! signature check of GitHub's secret-scanning reports.

mod argon2_secret_hasher;
mod github_public_keys;
mod jwt_access_token_verifier;
mod os_secret_generator;

pub use argon2_secret_hasher::{Argon2Params, Argon2SecretHasher, InvalidArgon2Params};
pub use github_public_keys::{GithubPublicKeys, PublicKeysError};
pub use jwt_access_token_verifier::{JwtAccessTokenVerifier, JwtConfig, JwtConfigError};
pub use os_secret_generator::OsSecretGenerator;
