use rand::rngs::OsRng;
use rand::RngCore;
use sesame_domain::ports::{SecretGenerator, SecretMaterial};
use sesame_domain::{LookupId, SecretBytes};

/// Draws key material straight from the operating system's CSPRNG
/// (`getrandom`), with no user-space generator in between.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsSecretGenerator;

impl SecretGenerator for OsSecretGenerator {
    fn generate(&self) -> SecretMaterial {
        let mut lookup = [0u8; 16];
        let mut secret = [0u8; 32];
        OsRng.fill_bytes(&mut lookup);
        OsRng.fill_bytes(&mut secret);
        SecretMaterial { lookup: LookupId::from_bytes(lookup), secret: SecretBytes::from_bytes(secret) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_draws_differ() {
        let a = OsSecretGenerator.generate();
        let b = OsSecretGenerator.generate();
        assert_ne!(a.lookup, b.lookup);
        assert_ne!(a.secret, b.secret);
    }
}
