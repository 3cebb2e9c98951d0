use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Which world a key acts in. `test` keys see and manage only `test` keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    Live,
    Test,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be `live` or `test`")]
pub struct ParseEnvironmentError;

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Test => "test",
        }
    }
}

impl FromStr for Environment {
    type Err = ParseEnvironmentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "live" => Ok(Environment::Live),
            "test" => Ok(Environment::Test),
            _ => Err(ParseEnvironmentError),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Secret keys act on a server's behalf; publishable keys may be embedded in
/// a client and so never hold management scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    Secret,
    Publishable,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("must be `secret` or `publishable`")]
pub struct ParseKeyKindError;

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret",
            KeyKind::Publishable => "publishable",
        }
    }

    /// The token prefix: `sk` or `pk`.
    pub fn token_prefix(self) -> &'static str {
        match self {
            KeyKind::Secret => "sk",
            KeyKind::Publishable => "pk",
        }
    }
}

impl FromStr for KeyKind {
    type Err = ParseKeyKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "secret" => Ok(KeyKind::Secret),
            "publishable" => Ok(KeyKind::Publishable),
            _ => Err(ParseKeyKindError),
        }
    }
}
