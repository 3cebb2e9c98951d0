use chrono::{DateTime, Utc};
use sesame_domain::{ApiKey, ApiKeyStatus};

/// A key and where it stands, judged at the use case's own `now`, so that
/// everything one response says about the key is true at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyView {
    pub key: ApiKey,
    pub status: ApiKeyStatus,
}

impl ApiKeyView {
    pub fn at(key: ApiKey, now: DateTime<Utc>) -> Self {
        let status = key.status(now);
        Self { key, status }
    }
}
