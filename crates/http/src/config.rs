use serde::Deserialize;

/// The `env` every envelope reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiEnvironment {
    Development,
    Production,
}

impl ApiEnvironment {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiEnvironment::Development => "development",
            ApiEnvironment::Production => "production",
        }
    }
}

/// What the HTTP adapter needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub env: ApiEnvironment,
    /// Largest JSON body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a request body may take to arrive, once its headers have.
    pub body_timeout: std::time::Duration,
}
