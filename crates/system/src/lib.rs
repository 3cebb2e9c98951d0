//! Adapters to the machine: the OS clock, the OS CSPRNG and argon2id.

mod argon2_secret_hasher;
mod os_secret_generator;
mod system_clock;

pub use argon2_secret_hasher::{Argon2Params, Argon2SecretHasher, InvalidArgon2Params};
pub use os_secret_generator::OsSecretGenerator;
pub use system_clock::SystemClock;
