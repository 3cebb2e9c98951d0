//! Adapters to the machine: the OS clock, the OS CSPRNG, argon2id and the
//! JWT signature check for access tokens.

mod argon2_secret_hasher;
mod jwt_access_token_verifier;
mod os_secret_generator;
mod system_clock;

pub use argon2_secret_hasher::{Argon2Params, Argon2SecretHasher, InvalidArgon2Params};
pub use jwt_access_token_verifier::{JwtAccessTokenVerifier, JwtConfig, JwtConfigError};
pub use os_secret_generator::OsSecretGenerator;
pub use system_clock::SystemClock;
