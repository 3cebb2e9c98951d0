use std::sync::Arc;

use chrono::{DateTime, Utc};
use derive_new::new;
use sesame_domain::ports::{HashError, SecretGenerator, SecretHasher};
use sesame_domain::{ApiToken, Environment, KeyKind, NewSecret};

/// Mints a token and the hashed secret to store for it. Shared by every use
/// case that shows a secret: create, bootstrap, rotate, onboarding.
#[derive(Clone, new)]
pub struct SecretIssuer {
    generator: Arc<dyn SecretGenerator>,
    hasher: Arc<dyn SecretHasher>,
}

impl SecretIssuer {
    /// # Errors
    /// The hasher's error, if hashing fails.
    pub async fn issue(
        &self,
        kind: KeyKind,
        environment: Environment,
        now: DateTime<Utc>,
    ) -> Result<(ApiToken, NewSecret), HashError> {
        let material = self.generator.generate();
        let hash = self.hasher.hash(&material.secret).await?;
        let token = ApiToken::new(kind, environment, material.lookup, material.secret);
        let secret = NewSecret { lookup: token.lookup(), hash, created_at: now };
        Ok((token, secret))
    }
}
