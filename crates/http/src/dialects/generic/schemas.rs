//! Seed 003's request and response bodies: a key is just a name.

use serde::{Deserialize, Serialize};
use sesame_application::support::ValidationErrors;
use sesame_domain::{ApiKey, ApiKeyStatus};
use utoipa::ToSchema;

use crate::time_format::rfc3339;
use crate::ApiError;

/// At most this many characters, as seed 003 documents (Sesame's own limit is 255).
pub const NAME_MAX_CHARS: usize = 100;

/// Create an API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyPlainRequest {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        example = "deploy-bot"
    )]
    pub name: String,
}

/// A key. Its plaintext is returned by create only.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlainApiKey {
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    pub name: String,
    /// The start of the key, safe to display.
    #[schema(example = "sk_live_3yQm2B")]
    pub key_prefix: String,
    /// `active`, `expired` or `revoked`.
    #[schema(example = "active")]
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl PlainApiKey {
    /// `status` as the use case judged it, at its own instant.
    pub fn new(key: &ApiKey, status: ApiKeyStatus) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.label.as_str().to_owned(),
            key_prefix: key.key_prefix.clone(),
            status: status.as_str().to_owned(),
            created_at: rfc3339(key.created_at),
            last_used_at: key.usage.last_used_at.map(rfc3339),
            revoked_at: key.revoked_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedPlainApiKey {
    #[serde(flatten)]
    pub api_key: PlainApiKey,
    /// The plaintext key, shown this once.
    #[schema(example = "sk_live_3yQm…")]
    pub key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlainApiKeyList {
    pub data: Vec<PlainApiKey>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub fn check_name(name: &str) -> Result<(), ApiError> {
    let problem = if name.chars().count() > NAME_MAX_CHARS {
        format!("must be at most {NAME_MAX_CHARS} characters")
    } else if name.trim().is_empty() {
        "must contain a non-whitespace character".to_owned()
    } else {
        return Ok(());
    };
    Err(ApiError::invalid(ValidationErrors::single("name", problem)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_101_characters_breaks_seed_003s_limit() {
        assert!(check_name(&"a".repeat(100)).is_ok());
        assert!(check_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn a_name_of_only_whitespace_does_not_match_the_pattern() {
        assert!(check_name(" \t").is_err());
    }
}
