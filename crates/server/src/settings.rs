//! Settings, in layers: built-in defaults, then `sesame.toml` (or the file
//! given with `--config`), then `SESAME__SECTION__KEY` environment variables.
//! Unknown keys and bad values stop start-up with a message naming them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, ConfigError, Environment, File, FileFormat, Map, Source, Value, ValueKind};
use serde::Deserialize;
use sesame_application::gateway::GatewayPolicy;
use sesame_crypto::{
    Argon2Params, Argon2SecretHasher, HashScheme, HmacSha256SecretHasher, JwtConfig, JwtConfigError, Pepper,
    SchemedSecretHasher,
};
use sesame_domain::{
    OrganizationName, RouteRule, RouteRuleError, RouteRules, ScopeSet, TrustedProxies, TrustedProxiesError,
};
use sesame_http::ApiEnvironment;
use sesame_persistence::{DatabaseSettings, InvalidationBusSettings, PoolTuning};
use thiserror::Error;

use crate::settings_catalogue::{self, env_var};
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
    pub telemetry: TelemetrySettings,
    /// JWT access tokens from an auth provider, accepted by the seed-004
    /// dialect when one key source is set; refused when none is.
    pub access_tokens: JwtConfig,
    /// `/gateway/auth`, the forward-auth endpoint of API gateways.
    pub gateway: GatewaySettings,
    /// `POST /secret_scanning/github`: leaked keys reported by GitHub.
    pub secret_scanning: SecretScanningSettings,
}

/// Leaked keys reported by GitHub's secret scanning (docs/secret-scanning.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretScanningSettings {
    /// GitHub's public-key document (as served at
    /// https://api.github.com/meta/public_keys/secret_scanning), saved to a
    /// file; unset: reports are refused with 404.
    pub github_public_keys_file: Option<String>,
    /// What a reported live key becomes: `revoke` (the default) or `flag`.
    pub on_leak: OnLeakSetting,
}

/// `secret_scanning.on_leak`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnLeakSetting {
    #[default]
    Revoke,
    Flag,
}

impl SecretScanningSettings {
    /// GitHub's public keys, read from `github_public_keys_file`; `None`
    /// when it is unset (or blank).
    ///
    /// # Errors
    /// An unreadable file or a document that is not GitHub's, naming the setting.
    pub fn public_keys(&self) -> Result<Option<sesame_crypto::GithubPublicKeys>, SettingsError> {
        const KEY: &str = "secret_scanning.github_public_keys_file";
        let Some(path) = self.github_public_keys_file.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        sesame_crypto::GithubPublicKeys::from_file(Path::new(path))
            .map(Some)
            .map_err(|source| SettingsError::Unusable { key: KEY, env: env_var(KEY), source: Box::new(source) })
    }
}

impl OnLeakSetting {
    pub fn policy(self) -> sesame_domain::OnLeak {
        match self {
            OnLeakSetting::Revoke => sesame_domain::OnLeak::Revoke,
            OnLeakSetting::Flag => sesame_domain::OnLeak::Flag,
        }
    }
}

/// The gateways' auth delegation (docs/gateways.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewaySettings {
    /// The header a key may come in besides `Authorization: Bearer`.
    pub key_header: String,
    /// Proxies whose `X-Forwarded-For`/`X-Real-IP` are believed (CIDRs or
    /// addresses); a list, or one comma-separated string from the environment.
    #[serde(deserialize_with = "list_or_commas")]
    pub trusted_proxies: Vec<String>,
    /// Method + path pattern → scopes; the first rule that matches wins.
    /// A list of tables, or a JSON array in one string from the environment.
    #[serde(deserialize_with = "routes_or_json")]
    pub routes: Vec<RouteSetting>,
    /// The scopes a request no rule matches requires.
    #[serde(deserialize_with = "list_or_commas")]
    pub default_scopes: Vec<String>,
    /// Envoy ext_authz over gRPC: remove the header the key came in
    /// before an allowed request goes upstream.
    pub strip_credential: bool,
    /// `host:port` for Envoy ext_authz over gRPC; unset: not served.
    pub grpc_bind: Option<String>,
}

/// One of `gateway.routes`.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSetting {
    /// HTTP methods; none or `*` for any.
    #[serde(default)]
    pub methods: Vec<String>,
    /// `/products`, `/products/*` (one segment), `/admin/**` (the rest).
    pub path: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            key_header: "X-API-Key".into(),
            trusted_proxies: Vec::new(),
            routes: Vec::new(),
            default_scopes: Vec::new(),
            strip_credential: false,
            grpc_bind: None,
        }
    }
}

/// A list of strings as TOML writes it, or one comma-separated string, as
/// an environment variable can only give it.
fn list_or_commas<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Form::deserialize(deserializer)? {
        Form::List(list) => list,
        Form::Text(text) => text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    })
}

/// Route rules as TOML tables, or a JSON array in one string.
fn routes_or_json<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<RouteSetting>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<RouteSetting>),
        Json(String),
    }
    match Form::deserialize(deserializer)? {
        Form::List(list) => Ok(list),
        Form::Json(text) if text.trim().is_empty() => Ok(Vec::new()),
        Form::Json(text) => serde_json::from_str(&text).map_err(serde::de::Error::custom),
    }
}

impl GatewaySettings {
    /// The route rules and trusted proxies, parsed.
    ///
    /// # Errors
    /// A bad rule (with its position), scope, CIDR or header name, naming the setting.
    pub fn policy(&self) -> Result<GatewayPolicy, SettingsError> {
        if let Some(bind) = &self.grpc_bind {
            if !is_host_and_port(bind) {
                return Err(SettingsError::bad("gateway.grpc_bind", bind.clone()));
            }
        }
        if actix_web::http::header::HeaderName::from_bytes(self.key_header.trim().as_bytes()).is_err() {
            return Err(SettingsError::bad("gateway.key_header", self.key_header.clone()));
        }
        let trusted_proxies = TrustedProxies::parse(&self.trusted_proxies).map_err(|err| {
            let TrustedProxiesError::Invalid(entry) = err;
            SettingsError::bad("gateway.trusted_proxies", entry)
        })?;
        let default = ScopeSet::parse(&self.default_scopes).map_err(|unknown| SettingsError::Unusable {
            key: "gateway.default_scopes",
            env: env_var("gateway.default_scopes"),
            source: Box::new(unknown),
        })?;
        let mut rules = Vec::with_capacity(self.routes.len());
        for (index, route) in self.routes.iter().enumerate() {
            let rule = RouteRule::parse(&route.methods, &route.path, &route.scopes).map_err(|source| {
                SettingsError::Unusable {
                    key: "gateway.routes",
                    env: env_var("gateway.routes"),
                    source: Box::new(BadRoute { index, source }),
                }
            })?;
            rules.push(rule);
        }
        Ok(GatewayPolicy { routes: RouteRules::new(rules, default), trusted_proxies })
    }
}

/// A rule of `gateway.routes` that cannot be used, by its position.
#[derive(Debug, Error)]
#[error("rule {} (counting from 1): {source}", .index + 1)]
struct BadRoute {
    index: usize,
    source: RouteRuleError,
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

/// How secrets are hashed: the scheme of new hashes, argon2id's cost
/// (OWASP's recommendation by default) and the pepper of `hmac-sha256`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HashingSettings {
    /// `argon2id` (default) or `hmac-sha256`, for new hashes; stored hashes
    /// of the other verify and are rehashed on their next cold verify.
    pub scheme: HashScheme,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at once, at most (default: the number of cores).
    pub max_concurrent: usize,
    /// The `hmac-sha256` pepper (its UTF-8 bytes), at least 32 bytes.
    pub pepper: Option<String>,
    /// A file holding the pepper instead (one trailing newline ignored).
    pub pepper_file: Option<PathBuf>,
    /// A pepper being rotated out: verified, never used for new hashes.
    pub previous_pepper: Option<String>,
    pub previous_pepper_file: Option<PathBuf>,
}

// By hand so the peppers never reach a log.
impl fmt::Debug for HashingSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |p: &Option<String>| p.as_ref().map(|_| "<redacted>");
        f.debug_struct("HashingSettings")
            .field("scheme", &self.scheme)
            .field("memory_kib", &self.memory_kib)
            .field("iterations", &self.iterations)
            .field("parallelism", &self.parallelism)
            .field("max_concurrent", &self.max_concurrent)
            .field("pepper", &redacted(&self.pepper))
            .field("pepper_file", &self.pepper_file)
            .field("previous_pepper", &redacted(&self.previous_pepper))
            .field("previous_pepper_file", &self.previous_pepper_file)
            .finish()
    }
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

/// Where traces go, besides the log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    /// An OTLP/HTTP collector's base URL (`http://collector:4318`), as
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` takes it: spans are posted to
    /// `/v1/traces` under it. Unset (the default): no export.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` the spans carry.
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self { otlp_endpoint: None, service_name: "sesame".into() }
    }
}

/// Attempts tolerated before answering 429 without hashing (the policy is in
/// `sesame_application::authentication::failure_limiter`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Wrong secrets for one key id (the token's lookup part) from one
    /// client address, per window; 0 disables.
    pub failures_per_key: u32,
    /// Checks of unknown key ids per client address (IPv6: per /64), per
    /// window; 0 disables.
    pub failures_per_ip: u32,
    pub window_secs: u64,
    /// Where keys' and service accounts' rate limits are counted: `memory`
    /// (this instance) or `redis` (shared; see docs/limits.md).
    pub store: RateLimitStoreKind,
    /// Redis, for `store = "redis"`.
    pub redis_url: String,
    /// Put before every Redis counter's name.
    pub redis_key_prefix: String,
    /// How long a check waits for Redis before counting in memory instead.
    pub redis_timeout_ms: u64,
}

/// `limits.store`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitStoreKind {
    #[default]
    Memory,
    Redis,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self { max_entries: 100_000, ttl_secs: 30, degraded_max_age_ms: 1000 }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            failures_per_key: 10,
            failures_per_ip: 100,
            window_secs: 60,
            store: RateLimitStoreKind::Memory,
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_key_prefix: "sesame:rl:".into(),
            redis_timeout_ms: 200,
        }
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
            telemetry: TelemetrySettings::default(),
            access_tokens: JwtConfig::default(),
            gateway: GatewaySettings::default(),
            secret_scanning: SecretScanningSettings::default(),
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
            scheme: HashScheme::default(),
            memory_kib: p.memory_kib,
            iterations: p.iterations,
            parallelism: p.parallelism,
            max_concurrent: p.max_concurrent,
            pepper: None,
            pepper_file: None,
            previous_pepper: None,
            previous_pepper_file: None,
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

    /// The hasher these settings describe, peppers read and checked.
    ///
    /// # Errors
    /// A pepper given twice (value and file), unreadable or shorter than 32
    /// bytes; `hmac-sha256` without a pepper; argon2 parameters it refuses.
    pub fn hasher(&self) -> Result<SchemedSecretHasher, SettingsError> {
        let argon2 = Argon2SecretHasher::new(self.params()).map_err(|source| SettingsError::Unusable {
            key: "hashing",
            env: "SESAME__HASHING__*".into(),
            source: Box::new(source),
        })?;
        let current = pepper(&self.pepper, &self.pepper_file, ("hashing.pepper", "hashing.pepper_file"))?;
        let previous = pepper(
            &self.previous_pepper,
            &self.previous_pepper_file,
            ("hashing.previous_pepper", "hashing.previous_pepper_file"),
        )?;
        let hmac = match (current, previous) {
            (Some(current), previous) => Some(HmacSha256SecretHasher::new(current, previous.into_iter().collect())),
            (None, Some(_)) => {
                return Err(SettingsError::Missing {
                    key: "hashing.pepper",
                    alternative: "hashing.pepper_file",
                    because: "hashing.previous_pepper is only verified beside a current pepper".into(),
                })
            }
            (None, None) => None,
        };
        SchemedSecretHasher::new(self.scheme, argon2, hmac).map_err(|_| SettingsError::Missing {
            key: "hashing.pepper",
            alternative: "hashing.pepper_file",
            because: "hashing.scheme is hmac-sha256, whose hashes are keyed with the pepper".into(),
        })
    }
}

/// A pepper given as a value or as a file (not both), at least 32 bytes.
fn pepper(
    value: &Option<String>,
    file: &Option<PathBuf>,
    (value_key, file_key): (&'static str, &'static str),
) -> Result<Option<Pepper>, SettingsError> {
    let bytes = match (value, file) {
        (Some(_), Some(_)) => return Err(SettingsError::Conflict { key: value_key, other: file_key }),
        (None, None) => return Ok(None),
        (Some(value), None) => value.as_bytes().to_vec(),
        (None, Some(path)) => {
            let mut bytes = std::fs::read(path).map_err(|source| SettingsError::Unusable {
                key: file_key,
                env: env_var(file_key),
                source: Box::new(source),
            })?;
            // `echo "$PEPPER" > file` adds one.
            if bytes.ends_with(b"\n") {
                bytes.pop();
                if bytes.ends_with(b"\r") {
                    bytes.pop();
                }
            }
            bytes
        }
    };
    match Pepper::new(&bytes) {
        Ok(pepper) => Ok(Some(pepper)),
        Err(_) if file.is_some() => Err(SettingsError::bad(file_key, file.as_ref().map(|p| p.display().to_string()))),
        Err(_) => Err(SettingsError::bad(value_key, None)),
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

/// Why the settings cannot be used. Each names the setting and its
/// environment variable, so an operator knows what to change.
#[derive(Debug, Error)]
pub enum SettingsError {
    /// A value that does not have the setting's form.
    #[error("{}", bad_value(key, value.as_deref(), form))]
    BadValue { key: &'static str, value: Option<String>, form: &'static str },
    /// A key that names no setting (a typo, or a setting of another version).
    #[error("{key} ({}) is not a setting; {hint}", env_var(key))]
    Unknown { key: String, hint: String },
    /// A value of the right form that cannot be used (an unreadable key file).
    #[error("{key} ({env}) cannot be used")]
    Unusable {
        key: &'static str,
        env: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A setting that another setting's value requires, unset.
    #[error("{key} ({}) or {alternative} ({}) must be set: {because}", env_var(key), env_var(alternative))]
    Missing { key: &'static str, alternative: &'static str, because: String },
    /// Two settings that say the same thing two ways, both set.
    #[error("{key} ({}) and {other} ({}) are both set; set one of them", env_var(key), env_var(other))]
    Conflict { key: &'static str, other: &'static str },
    /// The settings file is missing or is not TOML.
    #[error("cannot read the settings")]
    Read(#[source] ConfigError),
}

fn bad_value(key: &str, value: Option<&str>, form: &str) -> String {
    match value {
        Some(value) => format!("{key} ({}) = {value:?}: expected {form}", env_var(key)),
        None => format!("{key} ({}): expected {form}", env_var(key)),
    }
}

impl SettingsError {
    /// A bad value of `key`, a setting of the catalogue; its value is
    /// repeated unless the setting is a secret, with any password masked.
    fn bad(key: &'static str, value: impl Into<Option<String>>) -> Self {
        let setting = settings_catalogue::find(key).expect("a setting of the catalogue");
        let value = value.into().filter(|_| !setting.secret).map(|v| mask_password(&v));
        SettingsError::BadValue { key: setting.key, value, form: setting.form }
    }

    /// What `config` reported, said with the setting it is about.
    fn from_config(err: ConfigError, config: &Config) -> Self {
        let key = match &err {
            ConfigError::Type { key: Some(key), .. } | ConfigError::At { key: Some(key), .. } => Some(key.clone()),
            _ => None,
        };
        match key.as_deref().and_then(settings_catalogue::find) {
            Some(setting) => Self::bad(setting.key, config.get_string(setting.key).ok()),
            None => SettingsError::Read(err),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`: a
/// database URL is shown back, its password is not.
fn mask_password(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else { return value.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return value.to_owned() };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => value.to_owned(),
    }
}

/// Every key of `table` (under `prefix`) must be a setting of the catalogue
/// or a section holding some.
fn check_keys(prefix: &str, table: &Map<String, Value>) -> Result<(), SettingsError> {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        if settings_catalogue::find(&key).is_some() {
            continue;
        }
        let section = settings_catalogue::in_section(&key);
        match &value.kind {
            ValueKind::Table(inner) if !section.is_empty() => check_keys(&key, inner)?,
            _ => {
                let hint = if prefix.is_empty() {
                    let (leaves, mut sections) = (settings_catalogue::in_section(""), Vec::new());
                    for setting in settings_catalogue::SETTINGS {
                        if let Some((section, _)) = setting.key.split_once('.') {
                            if !sections.contains(&section) {
                                sections.push(section);
                            }
                        }
                    }
                    format!("the settings are {} and the sections {}", leaves.join(", "), sections.join(", "))
                } else {
                    format!("{prefix} has {}", settings_catalogue::in_section(prefix).join(", "))
                };
                return Err(SettingsError::Unknown { key: first_leaf(key, value), hint });
            }
        }
    }
    Ok(())
}

/// `key` itself, or the first key below it when it is a table: the name the
/// operator wrote (`servre.bind` rather than `servre`).
fn first_leaf(key: String, value: &Value) -> String {
    match &value.kind {
        ValueKind::Table(inner) => match inner.iter().next() {
            Some((name, value)) => first_leaf(format!("{key}.{name}"), value),
            None => key,
        },
        _ => key,
    }
}

/// `host:port`, the port a number.
fn is_host_and_port(bind: &str) -> bool {
    bind.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

/// A whole-number setting that must be at least 1.
fn at_least_one(key: &'static str, value: u64) -> Result<(), SettingsError> {
    if value == 0 {
        return Err(SettingsError::bad(key, value.to_string()));
    }
    Ok(())
}

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
        let config = Config::builder()
            .add_source(file)
            .add_source(env.prefix_separator("__").separator("__").try_parsing(true))
            .build()
            .map_err(SettingsError::Read)?;
        check_keys("", &config.collect().map_err(SettingsError::Read)?)?;
        let settings: Settings =
            config.clone().try_deserialize().map_err(|err| SettingsError::from_config(err, &config))?;
        settings.validate()?;
        Ok(settings)
    }

    /// What the types alone do not say; checked before anything is opened,
    /// so that no bad setting is found after the database was touched.
    fn validate(&self) -> Result<(), SettingsError> {
        let bind = &self.server.bind;
        if !is_host_and_port(bind) {
            return Err(SettingsError::bad("server.bind", bind.clone()));
        }
        let url = self.database.url.trim();
        if !["sqlite:", "postgres://", "postgresql://"].iter().any(|scheme| url.starts_with(scheme)) {
            return Err(SettingsError::bad("database.url", self.database.url.clone()));
        }
        if let Some(endpoint) = &self.telemetry.otlp_endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(SettingsError::bad("telemetry.otlp_endpoint", endpoint.clone()));
            }
        }
        let server = &self.server;
        for (key, value) in [
            ("server.workers", server.workers.map_or(1, |w| w as u64)),
            ("server.max_body_bytes", server.max_body_bytes as u64),
            ("server.body_timeout_secs", server.body_timeout_secs),
            ("server.max_connections_per_worker", server.max_connections_per_worker as u64),
            ("database.max_connections", u64::from(self.database.max_connections)),
            ("database.connect_timeout_secs", self.database.connect_timeout_secs),
            ("database.acquire_timeout_secs", self.database.acquire_timeout_secs),
            ("database.listener_reconnect_min_ms", self.database.listener_reconnect_min_ms),
            ("database.listener_reconnect_max_ms", self.database.listener_reconnect_max_ms),
            ("hashing.iterations", u64::from(self.hashing.iterations)),
            ("hashing.max_concurrent", self.hashing.max_concurrent as u64),
            ("usage.flush_interval_ms", self.usage.flush_interval_ms),
            ("usage.max_pending_keys", self.usage.max_pending_keys as u64),
            ("cache.ttl_secs", self.cache.ttl_secs),
            ("limits.window_secs", self.limits.window_secs),
            ("limits.redis_timeout_ms", self.limits.redis_timeout_ms),
        ] {
            at_least_one(key, value)?;
        }
        let hashing = &self.hashing;
        if !(1..=0xFF_FFFF).contains(&hashing.parallelism) {
            return Err(SettingsError::bad("hashing.parallelism", hashing.parallelism.to_string()));
        }
        if u64::from(hashing.memory_kib) < 8 * u64::from(hashing.parallelism) {
            return Err(SettingsError::bad("hashing.memory_kib", hashing.memory_kib.to_string()));
        }
        // argon2's own limits, should they ever be stricter than the
        // above; and the peppers, read now, before anything is opened.
        hashing.hasher()?;
        let redis = self.limits.redis_url.trim();
        if self.limits.store == RateLimitStoreKind::Redis
            && !["redis://", "rediss://", "redis+unix://"].iter().any(|scheme| redis.starts_with(scheme))
        {
            return Err(SettingsError::bad("limits.redis_url", self.limits.redis_url.clone()));
        }
        if OrganizationName::parse(&self.bootstrap.organization_name).is_err() {
            return Err(SettingsError::bad("bootstrap.organization_name", self.bootstrap.organization_name.clone()));
        }
        self.gateway.policy()?;
        self.secret_scanning.public_keys()?;
        self.check_access_tokens()
    }

    fn check_access_tokens(&self) -> Result<(), SettingsError> {
        let tokens = &self.access_tokens;
        let source = match sesame_crypto::JwtAccessTokenVerifier::new(tokens) {
            Ok(_) => return Ok(()),
            Err(JwtConfigError::Hs256SecretTooShort { .. }) => {
                return Err(SettingsError::bad("access_tokens.hs256_secret", None))
            }
            Err(err) => err,
        };
        let key = match &source {
            JwtConfigError::SeveralKeySources(_) => "access_tokens",
            _ if tokens.rs256_public_key_pem.is_some() => "access_tokens.rs256_public_key_pem",
            _ => "access_tokens.jwks_path",
        };
        let env = if key == "access_tokens" { "SESAME__ACCESS_TOKENS__*".into() } else { env_var(key) };
        Err(SettingsError::Unusable { key, env, source: Box::new(source) })
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

    fn error_of(vars: &[(&str, &str)]) -> String {
        Settings::load_from(None, env(vars)).unwrap_err().to_string()
    }

    #[test]
    fn a_bad_value_names_the_setting_its_variable_the_value_and_the_allowed_values() {
        assert_eq!(
            error_of(&[("SESAME__ENV", "prod")]),
            r#"env (SESAME__ENV) = "prod": expected one of development, production"#
        );
    }

    #[test]
    fn a_number_that_is_not_one_names_the_setting_and_the_form() {
        assert_eq!(
            error_of(&[("SESAME__SERVER__WORKERS", "abc")]),
            r#"server.workers (SESAME__SERVER__WORKERS) = "abc": expected a whole number, at least 1"#
        );
        assert_eq!(
            error_of(&[("SESAME__HASHING__ITERATIONS", "-1")]),
            r#"hashing.iterations (SESAME__HASHING__ITERATIONS) = "-1": expected a whole number, at least 1"#
        );
    }

    #[test]
    fn an_unknown_limits_store_and_a_redis_url_that_is_not_one_are_named() {
        assert_eq!(
            error_of(&[("SESAME__LIMITS__STORE", "memcached")]),
            r#"limits.store (SESAME__LIMITS__STORE) = "memcached": expected one of memory, redis"#
        );
        let err = error_of(&[("SESAME__LIMITS__STORE", "redis"), ("SESAME__LIMITS__REDIS_URL", "localhost:6379")]);
        assert!(err.starts_with(r#"limits.redis_url (SESAME__LIMITS__REDIS_URL) = "localhost:6379""#), "{err}");
        let s = Settings::load_from(None, env(&[("SESAME__LIMITS__STORE", "redis")])).unwrap();
        assert_eq!(
            (s.limits.store, s.limits.redis_url.as_str()),
            (RateLimitStoreKind::Redis, "redis://127.0.0.1:6379")
        );
    }

    #[test]
    fn secret_scanning_is_off_by_default_and_its_settings_are_checked() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(
            (s.secret_scanning.github_public_keys_file, s.secret_scanning.on_leak),
            (None, OnLeakSetting::Revoke)
        );
        assert_eq!(
            error_of(&[("SESAME__SECRET_SCANNING__ON_LEAK", "ignore")]),
            r#"secret_scanning.on_leak (SESAME__SECRET_SCANNING__ON_LEAK) = "ignore": expected one of revoke, flag"#
        );
        let flag = Settings::load_from(None, env(&[("SESAME__SECRET_SCANNING__ON_LEAK", "flag")])).unwrap();
        assert_eq!(flag.secret_scanning.on_leak.policy(), sesame_domain::OnLeak::Flag);
        let err = error_of(&[("SESAME__SECRET_SCANNING__GITHUB_PUBLIC_KEYS_FILE", "/nonexistent/keys.json")]);
        assert!(
            err.starts_with(
                "secret_scanning.github_public_keys_file (SESAME__SECRET_SCANNING__GITHUB_PUBLIC_KEYS_FILE) cannot be used"
            ),
            "{err}"
        );
        let err = Settings::load_from(
            None,
            env(&[("SESAME__SECRET_SCANNING__GITHUB_PUBLIC_KEYS_FILE", "/nonexistent/keys.json")]),
        )
        .unwrap_err();
        let cause = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
        assert!(cause.contains("/nonexistent/keys.json"), "{cause}");
    }

    #[test]
    fn a_bind_address_without_a_port_is_found_before_anything_is_opened() {
        let err = error_of(&[("SESAME__SERVER__BIND", "nonsense")]);
        assert!(err.starts_with(r#"server.bind (SESAME__SERVER__BIND) = "nonsense": expected host:port"#), "{err}");
    }

    #[test]
    fn a_zero_where_at_least_one_is_needed_is_rejected_not_rounded_up() {
        let err = error_of(&[("SESAME__CACHE__TTL_SECS", "0")]);
        assert_eq!(err, r#"cache.ttl_secs (SESAME__CACHE__TTL_SECS) = "0": expected a whole number, at least 1"#);
    }

    #[test]
    fn every_setting_that_must_be_at_least_one_refuses_zero() {
        let positive = settings_catalogue::SETTINGS.iter().filter(|s| s.form == "a whole number, at least 1");
        let mut tried = 0;
        for setting in positive {
            let err = error_of(&[(&env_var(setting.key), "0")]);
            assert!(err.starts_with(&format!("{} (", setting.key)), "{}: {err}", setting.key);
            tried += 1;
        }
        assert!(tried >= 10, "only {tried} settings tried");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_variable_and_the_sections_settings() {
        let err = error_of(&[("SESAME__SERVER__BINDD", "x")]);
        assert!(
            err.starts_with("server.bindd (SESAME__SERVER__BINDD) is not a setting; server has bind, workers"),
            "{err}"
        );
        let err = error_of(&[("SESAME__SERVRE__BIND", "x")]);
        assert!(err.contains("servre.bind (SESAME__SERVRE__BIND) is not a setting; the settings are env and"), "{err}");
    }

    #[test]
    fn a_database_url_of_an_unknown_kind_is_shown_without_its_password() {
        let err = error_of(&[("SESAME__DATABASE__URL", "mysql://admin:hunter2@db/sesame")]);
        assert!(err.starts_with(r#"database.url (SESAME__DATABASE__URL) = "mysql://admin:***@db/sesame""#), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn an_invalid_bootstrap_name_is_found_before_the_database_is_touched() {
        let err = error_of(&[("SESAME__BOOTSTRAP__ORGANIZATION_NAME", "  ")]);
        assert!(err.starts_with("bootstrap.organization_name (SESAME__BOOTSTRAP__ORGANIZATION_NAME)"), "{err}");
    }

    #[test]
    fn too_little_argon2_memory_names_the_memory_setting() {
        let err = error_of(&[("SESAME__HASHING__MEMORY_KIB", "1")]);
        assert!(err.starts_with(r#"hashing.memory_kib (SESAME__HASHING__MEMORY_KIB) = "1""#), "{err}");
    }

    /// The field names serde lists for an unknown key of `section`.
    fn fields_of(section: &str) -> Vec<String> {
        let key = if section.is_empty() { "SESAME__ZZZ".to_owned() } else { format!("SESAME__{section}__ZZZ") };
        let config =
            Config::builder().add_source(env(&[(&key, "1")]).prefix_separator("__").separator("__")).build().unwrap();
        let err = config.try_deserialize::<Settings>().unwrap_err().to_string();
        // serde: "expected one of `a`, `b`", or "expected `a`" for one field.
        let list = err.split(", expected").nth(1).unwrap_or_else(|| panic!("no field list in {err}"));
        let list = list.split(" for key").next().unwrap_or(list);
        list.split('`').skip(1).step_by(2).map(str::to_owned).collect()
    }

    #[test]
    fn the_catalogue_holds_every_field_of_the_settings_and_nothing_else() {
        let mut fields = Vec::new();
        for top in fields_of("") {
            let section = settings_catalogue::in_section(&top);
            if section.is_empty() {
                fields.push(top);
            } else {
                fields.extend(fields_of(&top.to_ascii_uppercase()).into_iter().map(|f| format!("{top}.{f}")));
            }
        }
        let mut catalogue: Vec<String> = settings_catalogue::SETTINGS.iter().map(|s| s.key.to_owned()).collect();
        fields.sort();
        catalogue.sort();
        assert_eq!(fields, catalogue);
    }

    #[test]
    fn a_short_access_token_secret_stops_start_up_and_is_not_echoed() {
        let err = Settings::load_from(None, env(&[("SESAME__ACCESS_TOKENS__HS256_SECRET", "too-short-secret")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "access_tokens.hs256_secret (SESAME__ACCESS_TOKENS__HS256_SECRET): expected a shared secret of at least \
             32 bytes, as the only access-token key source"
        );
    }

    const PEPPER: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_fast_scheme_without_a_pepper_stops_start_up_naming_the_pepper_settings() {
        assert_eq!(
            error_of(&[("SESAME__HASHING__SCHEME", "hmac-sha256")]),
            "hashing.pepper (SESAME__HASHING__PEPPER) or hashing.pepper_file (SESAME__HASHING__PEPPER_FILE) must be \
             set: hashing.scheme is hmac-sha256, whose hashes are keyed with the pepper"
        );
    }

    #[test]
    fn an_unknown_scheme_names_the_setting_and_the_schemes() {
        assert_eq!(
            error_of(&[("SESAME__HASHING__SCHEME", "sha256")]),
            r#"hashing.scheme (SESAME__HASHING__SCHEME) = "sha256": expected one of argon2id, hmac-sha256"#
        );
    }

    #[test]
    fn a_pepper_shorter_than_32_bytes_stops_start_up_and_is_not_echoed() {
        let short = &PEPPER[..31];
        for scheme in ["hmac-sha256", "argon2id"] {
            let err = error_of(&[("SESAME__HASHING__SCHEME", scheme), ("SESAME__HASHING__PEPPER", short)]);
            assert!(err.starts_with("hashing.pepper (SESAME__HASHING__PEPPER): expected a secret of at least 32 bytes"));
            assert!(!err.contains(short), "{err}");
        }
        let err = error_of(&[("SESAME__HASHING__PEPPER", PEPPER), ("SESAME__HASHING__PREVIOUS_PEPPER", short)]);
        assert!(err.starts_with("hashing.previous_pepper (SESAME__HASHING__PREVIOUS_PEPPER): expected"), "{err}");
        assert!(!err.contains(short), "{err}");
    }

    #[test]
    fn a_short_or_unreadable_pepper_file_is_named_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short");
        std::fs::write(&short, "too short\n").unwrap();
        let err = error_of(&[("SESAME__HASHING__PEPPER_FILE", short.to_str().unwrap())]);
        assert!(
            err.starts_with(&format!(
                "hashing.pepper_file (SESAME__HASHING__PEPPER_FILE) = {:?}: expected",
                short.display().to_string()
            )),
            "{err}"
        );
        assert!(!err.contains("too short"), "{err}");
        let missing = dir.path().join("missing");
        let err =
            Settings::load_from(None, env(&[("SESAME__HASHING__PEPPER_FILE", missing.to_str().unwrap())])).unwrap_err();
        assert_eq!(err.to_string(), "hashing.pepper_file (SESAME__HASHING__PEPPER_FILE) cannot be used");
    }

    #[test]
    fn a_pepper_file_holds_the_same_pepper_as_the_value_its_trailing_newline_aside() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pepper");
        std::fs::write(&file, format!("{PEPPER}\n")).unwrap();
        let from_file = Settings::load_from(
            None,
            env(&[
                ("SESAME__HASHING__SCHEME", "hmac-sha256"),
                ("SESAME__HASHING__PEPPER_FILE", file.to_str().unwrap()),
            ]),
        )
        .unwrap();
        let from_value = Settings::load_from(
            None,
            env(&[("SESAME__HASHING__SCHEME", "hmac-sha256"), ("SESAME__HASHING__PEPPER", PEPPER)]),
        )
        .unwrap();
        let id = |s: &Settings| s.hashing.hasher().unwrap().hmac().unwrap().pepper_id().to_owned();
        assert_eq!(id(&from_file), id(&from_value));
    }

    #[test]
    fn a_pepper_given_both_as_a_value_and_as_a_file_is_refused() {
        let err = error_of(&[("SESAME__HASHING__PEPPER", PEPPER), ("SESAME__HASHING__PEPPER_FILE", "/etc/hostname")]);
        assert_eq!(
            err,
            "hashing.pepper (SESAME__HASHING__PEPPER) and hashing.pepper_file (SESAME__HASHING__PEPPER_FILE) are \
             both set; set one of them"
        );
    }

    #[test]
    fn a_previous_pepper_without_a_current_one_is_refused() {
        let err = error_of(&[("SESAME__HASHING__PREVIOUS_PEPPER", PEPPER)]);
        assert!(err.starts_with("hashing.pepper (SESAME__HASHING__PEPPER) or hashing.pepper_file"), "{err}");
    }

    #[test]
    fn the_settings_debug_never_shows_a_pepper() {
        let s = Settings::load_from(
            None,
            env(&[("SESAME__HASHING__PEPPER", PEPPER), ("SESAME__HASHING__PREVIOUS_PEPPER", &PEPPER.to_uppercase())]),
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains(PEPPER) && !shown.contains(&PEPPER.to_uppercase()), "{shown}");
    }

    #[test]
    fn gateway_lists_come_from_the_environment_as_commas_and_json() {
        let s = Settings::load_from(
            None,
            env(&[
                ("SESAME__GATEWAY__TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
                ("SESAME__GATEWAY__DEFAULT_SCOPES", "products.read"),
                (
                    "SESAME__GATEWAY__ROUTES",
                    r#"[{"methods": ["POST"], "path": "/products/**", "scopes": ["products.create"]}]"#,
                ),
            ]),
        )
        .unwrap();
        assert_eq!(s.gateway.trusted_proxies, ["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(s.gateway.routes[0].path, "/products/**");
        let policy = s.gateway.policy().unwrap();
        assert_eq!(policy.routes.required("POST", "/products/1").names(), ["products.create"]);
        assert_eq!(policy.routes.required("GET", "/products/1").names(), ["products.read"]);
    }

    #[test]
    fn a_bad_gateway_setting_is_named_before_anything_is_opened() {
        let err = error_of(&[("SESAME__GATEWAY__TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.0/33")]);
        assert!(
            err.starts_with(r#"gateway.trusted_proxies (SESAME__GATEWAY__TRUSTED_PROXIES) = "10.0.0.0/33""#),
            "{err}"
        );
        let err = error_of(&[("SESAME__GATEWAY__KEY_HEADER", "X API Key")]);
        assert!(err.starts_with("gateway.key_header (SESAME__GATEWAY__KEY_HEADER)"), "{err}");
        let err =
            Settings::load_from(None, env(&[("SESAME__GATEWAY__ROUTES", r#"[{"path": "products"}]"#)])).unwrap_err();
        let report = crate::error_report::report(&err);
        assert!(report.contains("gateway.routes (SESAME__GATEWAY__ROUTES) cannot be used"), "{report}");
        assert!(report.contains("rule 1 (counting from 1): path `products` must start with `/`"), "{report}");
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
