use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::ApiKeyId;

/// Who made a change or issued a key: one of Sesame's keys, an access token
/// of the configured provider (by its subject), or the installation itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// One of Sesame's own API keys.
    ApiKey(ApiKeyId),
    /// An access token (JWT) from the configured auth provider, by its subject.
    AccessToken { subject: String },
    /// Sesame itself, e.g. `bootstrap` for the root key of an empty installation.
    System { name: String },
}

impl Actor {
    /// The installation bootstrapping itself (first start, `sesame bootstrap`).
    pub fn bootstrap() -> Self {
        Actor::System { name: "bootstrap".to_owned() }
    }

    /// Secret scanning: a partner (GitHub) reported a key as leaked.
    pub fn secret_scanning() -> Self {
        Actor::System { name: "secret_scanning".to_owned() }
    }

    /// The subject of the access token, when an access token acted.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Actor::AccessToken { subject } => Some(subject),
            _ => None,
        }
    }

    pub fn is_system(&self) -> bool {
        matches!(self, Actor::System { .. })
    }
}

const TOKEN_PREFIX: &str = "token:";
const SYSTEM_PREFIX: &str = "system:";

/// The text form stored in `created_by` and audit events, and shown in
/// responses: `api_key_<uuid>`, `token:<subject>` or `system:<name>`.
impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::ApiKey(id) => id.fmt(f),
            Actor::AccessToken { subject } => write!(f, "{TOKEN_PREFIX}{subject}"),
            Actor::System { name } => write!(f, "{SYSTEM_PREFIX}{name}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not an actor: expected `api_key_<uuid>`, `token:<subject>` or `system:<name>`")]
pub struct ParseActorError;

impl FromStr for Actor {
    type Err = ParseActorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let non_empty = |rest: &str| (!rest.is_empty()).then(|| rest.to_owned()).ok_or(ParseActorError);
        if let Some(subject) = s.strip_prefix(TOKEN_PREFIX) {
            return Ok(Actor::AccessToken { subject: non_empty(subject)? });
        }
        if let Some(name) = s.strip_prefix(SYSTEM_PREFIX) {
            return Ok(Actor::System { name: non_empty(name)? });
        }
        s.parse::<ApiKeyId>().map(Actor::ApiKey).map_err(|_| ParseActorError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_actor_round_trips_through_its_text_form() {
        for actor in
            [Actor::ApiKey(ApiKeyId::generate()), Actor::AccessToken { subject: "user-42".into() }, Actor::bootstrap()]
        {
            assert_eq!(actor.to_string().parse::<Actor>(), Ok(actor));
        }
    }

    #[test]
    fn an_access_token_actor_is_recorded_by_its_subject() {
        let actor = Actor::AccessToken { subject: "user-42".into() };
        assert_eq!(actor.to_string(), "token:user-42");
        assert_eq!(actor.subject(), Some("user-42"));
        assert_eq!(Actor::bootstrap().to_string(), "system:bootstrap");
    }

    #[test]
    fn text_of_no_known_form_is_not_an_actor() {
        assert_eq!("someone".parse::<Actor>(), Err(ParseActorError));
        assert_eq!("token:".parse::<Actor>(), Err(ParseActorError));
    }
}
