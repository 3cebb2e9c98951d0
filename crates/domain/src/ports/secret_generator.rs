use crate::{LookupId, SecretBytes};

/// Fresh key material: a public lookup id and a 256-bit secret.
#[derive(Debug, Clone)]
pub struct SecretMaterial {
    pub lookup: LookupId,
    pub secret: SecretBytes,
}

/// Draws key material from a cryptographically secure source.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait SecretGenerator: Send + Sync {
    fn generate(&self) -> SecretMaterial;
}
