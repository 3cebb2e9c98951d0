//! Settings, in layers: built-in defaults, then `sesame.toml` (or the file
//! given with `--config`), then `SESAME__SECTION__KEY` environment variables.
//! Unknown keys and bad values stop start-up with a message naming them.

use std::path::Path;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;
use sesame_crypto::{Argon2Params, JwtConfig};
use sesame_http::ApiEnvironment;
use sesame_persistence::{DatabaseSettings, InvalidationBusSettings, PoolTuning};
use thiserror::Error;

use crate::telemetry::LogFormat;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `development` or `production`; reported in every envelope.
    pub env: ApiEnvironment,
    pub server: ServerSettings,
    pub database: DatabaseSection,
    pub hashing: HashingSettings,
    pub bootstrap: BootstrapSettings,
    pub usage: UsageSettings,
    pub cache: CacheSettings,
    pub limits: LimitSettings,
    pub logging: LoggingSettings,
    /// JWT access tokens from an auth provider, accepted by the seed-004
    /// dialect when one key source is set; refused when none is.
    pub access_tokens: JwtConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    pub max_body_bytes: usize,
    /// Seconds given to in-flight requests on SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// Seconds a request body may take to arrive once its headers have
    /// (a slower one is answered 408); headers have 5 s.
    pub body_timeout_secs: u64,
    /// Connections served at once, per worker; more wait to be accepted.
    pub max_connections_per_worker: usize,
    /// Seconds between SIGTERM/SIGINT and the stop of intake, during which
    /// `/readyz` answers 503 and requests are still served, so that a load
    /// balancer takes the instance out first. 0 for a single instance.
    pub drain_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// How long a request waits for a free pooled connection.
    pub acquire_timeout_secs: u64,
    /// PostgreSQL: the longest one statement may run; 0 for no limit.
    pub statement_timeout_ms: u64,
    /// How long start-up waits for the database to answer, retrying with
    /// back-off, before it gives up with an error naming host and port.
    pub startup_wait_secs: u64,
    /// PostgreSQL: first wait before the cache invalidation listener
    /// connects again after losing its connection; doubled per failure.
    pub listener_reconnect_min_ms: u64,
    /// PostgreSQL: the longest wait between two listener attempts.
    pub listener_reconnect_max_ms: u64,
}

/// argon2id cost (OWASP's recommendation by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HashingSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at once, at most (default: the number of cores).
    pub max_concurrent: usize,
}

/// The verified-key cache in front of argon2id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    /// Tokens remembered at most; 0 disables the cache.
    pub max_entries: u64,
    /// How long a verified token is trusted without a storage read: the
    /// longest another process may take to see a revocation when it
    /// cannot be told (SQLite files shared by several processes).
    pub ttl_secs: u64,
    /// PostgreSQL: while this instance does not hear other instances'
    /// invalidations (its listener is disconnected), a cached key older
    /// than this is verified against the database again.
    pub degraded_max_age_ms: u64,
}

/// How the log is written (to stderr; `RUST_LOG` sets the level).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingSettings {
    /// `pretty` (default) or `json`.
    pub format: LogFormat,
}

/// Failed verifications tolerated before answering 429 without hashing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Per key id (the token's lookup part), per window; 0 disables.
    pub failures_per_key: u32,
    /// Per client IP, per window; 0 disables.
    pub failures_per_ip: u32,
    pub window_secs: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self { max_entries: 100_000, ttl_secs: 30, degraded_max_age_ms: 1000 }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self { failures_per_key: 10, failures_per_ip: 100, window_secs: 60 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapSettings {
    /// Name of the organization created on the first start of an empty database.
    pub organization_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsageSettings {
    /// How often counted usage is written to the database.
    pub flush_interval_ms: u64,
    /// Write early once this many keys have usage waiting.
    pub max_pending_keys: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            env: ApiEnvironment::Development,
            server: ServerSettings::default(),
            database: DatabaseSection::default(),
            hashing: HashingSettings::default(),
            bootstrap: BootstrapSettings::default(),
            usage: UsageSettings::default(),
            cache: CacheSettings::default(),
            limits: LimitSettings::default(),
            logging: LoggingSettings::default(),
            access_tokens: JwtConfig::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            workers: None,
            max_body_bytes: 64 * 1024,
            shutdown_timeout_secs: 10,
            body_timeout_secs: 10,
            max_connections_per_worker: 25_000,
            drain_secs: 0,
        }
    }
}

impl Default for DatabaseSection {
    fn default() -> Self {
        Self {
            url: "sqlite://sesame.db?mode=rwc".into(),
            max_connections: 10,
            connect_timeout_secs: 10,
            acquire_timeout_secs: 5,
            statement_timeout_ms: 30_000,
            startup_wait_secs: 30,
            listener_reconnect_min_ms: 100,
            listener_reconnect_max_ms: 5_000,
        }
    }
}

impl Default for HashingSettings {
    fn default() -> Self {
        let p = Argon2Params::default();
        Self {
            memory_kib: p.memory_kib,
            iterations: p.iterations,
            parallelism: p.parallelism,
            max_concurrent: p.max_concurrent,
        }
    }
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        Self { organization_name: "Default".into() }
    }
}

impl Default for UsageSettings {
    fn default() -> Self {
        Self { flush_interval_ms: 1000, max_pending_keys: 10_000 }
    }
}

impl HashingSettings {
    pub fn params(&self) -> Argon2Params {
        Argon2Params {
            memory_kib: self.memory_kib,
            iterations: self.iterations,
            parallelism: self.parallelism,
            max_concurrent: self.max_concurrent,
        }
    }
}

impl DatabaseSection {
    pub fn connection(&self) -> DatabaseSettings {
        DatabaseSettings {
            url: self.url.clone(),
            max_connections: self.max_connections.max(1),
            connect_timeout: Duration::from_secs(self.connect_timeout_secs.max(1)),
        }
    }

    pub fn tuning(&self) -> PoolTuning {
        PoolTuning {
            acquire_timeout: Some(Duration::from_secs(self.acquire_timeout_secs.max(1))),
            statement_timeout: (self.statement_timeout_ms > 0)
                .then(|| Duration::from_millis(self.statement_timeout_ms)),
        }
    }

    pub fn invalidation_bus(&self) -> InvalidationBusSettings {
        let reconnect_min = Duration::from_millis(self.listener_reconnect_min_ms.max(1));
        InvalidationBusSettings {
            reconnect_min,
            reconnect_max: Duration::from_millis(self.listener_reconnect_max_ms).max(reconnect_min),
            publish_retry_for: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Error)]
#[error("invalid settings: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// Loads the layers. `explicit` must exist; the default `sesame.toml` may not.
    ///
    /// # Errors
    /// A missing explicit file, an unreadable file, an unknown key or a bad value.
    pub fn load(explicit: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_from(explicit, Environment::with_prefix("SESAME"))
    }

    fn load_from(explicit: Option<&Path>, env: Environment) -> Result<Self, SettingsError> {
        let file = match explicit {
            Some(path) => File::from(path).format(FileFormat::Toml).required(true),
            None => File::with_name("sesame.toml").format(FileFormat::Toml).required(false),
        };
        let settings: Settings = Config::builder()
            .add_source(file)
            .add_source(env.prefix_separator("__").separator("__").try_parsing(true))
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| SettingsError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        sesame_crypto::Argon2SecretHasher::new(self.hashing.params())
            .map_err(|e| SettingsError(format!("hashing: {e}")))?;
        if self.database.url.trim().is_empty() {
            return Err(SettingsError("database.url must not be empty".into()));
        }
        sesame_crypto::JwtAccessTokenVerifier::new(&self.access_tokens)
            .map_err(|e| SettingsError(format!("access_tokens: {e}")))?;
        if self.server.body_timeout_secs == 0 {
            return Err(SettingsError("server.body_timeout_secs must be at least 1".into()));
        }
        if self.server.max_connections_per_worker == 0 {
            return Err(SettingsError("server.max_connections_per_worker must be at least 1".into()));
        }
        if self.usage.flush_interval_ms == 0 {
            return Err(SettingsError("usage.flush_interval_ms must be at least 1".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::with_prefix("SESAME").source(Some(map))
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost_8080() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://sesame.db?mode=rwc");
        assert_eq!(s.env, ApiEnvironment::Development);
    }

    #[test]
    fn environment_variables_override_defaults() {
        let s = Settings::load_from(
            None,
            env(&[
                ("SESAME__DATABASE__URL", "postgres://x/y"),
                ("SESAME__ENV", "production"),
                ("SESAME__HASHING__ITERATIONS", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url, "postgres://x/y");
        assert_eq!(s.env, ApiEnvironment::Production);
        assert_eq!(s.hashing.iterations, 3);
    }

    #[test]
    fn an_unknown_setting_is_named_in_the_error() {
        let err = Settings::load_from(None, env(&[("SESAME__SERVER__BINDD", "x")])).unwrap_err();
        assert!(err.to_string().contains("bindd"), "{err}");
    }

    #[test]
    fn a_bad_value_is_rejected() {
        let err = Settings::load_from(None, env(&[("SESAME__ENV", "staging")])).unwrap_err();
        assert!(err.to_string().contains("staging"), "{err}");
    }

    #[test]
    fn a_short_access_token_secret_stops_start_up_and_is_not_echoed() {
        let err = Settings::load_from(None, env(&[("SESAME__ACCESS_TOKENS__HS256_SECRET", "too-short-secret")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("access_tokens"), "{err}");
        assert!(!err.contains("too-short-secret"), "{err}");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        assert!(Settings::load_from(Some(Path::new("/nonexistent/sesame.toml")), env(&[])).is_err());
    }

    #[test]
    fn a_file_sets_values_and_the_environment_wins_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sesame.toml");
        std::fs::write(&path, "[server]\nbind = \"0.0.0.0:9000\"\n[database]\nurl = \"sqlite://a.db\"\n").unwrap();
        let s = Settings::load_from(Some(&path), env(&[("SESAME__DATABASE__URL", "sqlite://b.db")])).unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.database.url, "sqlite://b.db");
    }
}
