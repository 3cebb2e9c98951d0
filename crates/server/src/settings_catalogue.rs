//! Every setting Sesame reads, with the form its value takes: one list that
//! settings errors and `--help` both quote, so neither can name a setting
//! that does not exist or describe a form the loader does not accept.

/// One setting: its dotted key (`server.bind`) and the form of its value.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    /// Completes "expected …" in an error.
    pub form: &'static str,
    /// A value never repeated in an error (a shared secret, a password).
    pub secret: bool,
}

const fn setting(key: &'static str, form: &'static str) -> Setting {
    Setting { key, form, secret: false }
}

const WHOLE: &str = "a whole number (0 or more)";
const POSITIVE: &str = "a whole number, at least 1";

/// Every setting, in the order `--help` lists them.
pub const SETTINGS: &[Setting] = &[
    setting("env", "one of development, production"),
    setting("logging.format", "one of pretty, json"),
    setting(
        "telemetry.otlp_endpoint",
        "an http:// or https:// URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318",
    ),
    setting("telemetry.service_name", "text, the service.name of exported spans"),
    setting("server.bind", "host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 (port 0 picks a free port)"),
    setting("server.workers", POSITIVE),
    setting("server.max_body_bytes", POSITIVE),
    setting("server.shutdown_timeout_secs", WHOLE),
    setting("server.body_timeout_secs", POSITIVE),
    setting("server.max_connections_per_worker", POSITIVE),
    setting("server.drain_secs", "a whole number of seconds /readyz answers 503 before a stop (0: none)"),
    Setting {
        key: "database.url",
        form: "sqlite://PATH?mode=rwc or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE",
        secret: false,
    },
    setting("database.max_connections", POSITIVE),
    setting("database.connect_timeout_secs", POSITIVE),
    setting("database.acquire_timeout_secs", POSITIVE),
    setting("database.statement_timeout_ms", "a whole number of milliseconds (0: no limit; PostgreSQL)"),
    setting("database.startup_wait_secs", WHOLE),
    setting("database.listener_reconnect_min_ms", POSITIVE),
    setting("database.listener_reconnect_max_ms", POSITIVE),
    setting("hashing.scheme", "one of argon2id, hmac-sha256"),
    setting("hashing.memory_kib", "a whole number of KiB, at least 8 × hashing.parallelism"),
    setting("hashing.iterations", POSITIVE),
    setting("hashing.parallelism", "a whole number from 1 to 16777215"),
    setting("hashing.max_concurrent", POSITIVE),
    Setting {
        key: "hashing.pepper",
        form: "a secret of at least 32 bytes (e.g. from `openssl rand -base64 32`), needed by hashing.scheme \
               hmac-sha256",
        secret: true,
    },
    setting("hashing.pepper_file", "the path of a file holding the pepper, at least 32 bytes"),
    Setting {
        key: "hashing.previous_pepper",
        form: "the pepper being rotated out, at least 32 bytes: verified, not used for new hashes",
        secret: true,
    },
    setting("hashing.previous_pepper_file", "the path of a file holding the previous pepper, at least 32 bytes"),
    setting("bootstrap.organization_name", "a name of 1 to 255 characters, without control characters"),
    setting("usage.flush_interval_ms", POSITIVE),
    setting("usage.max_pending_keys", POSITIVE),
    setting("cache.max_entries", "a whole number (0 disables the cache)"),
    setting("cache.ttl_secs", POSITIVE),
    setting("cache.degraded_max_age_ms", WHOLE),
    setting("limits.failures_per_key", "a whole number (0 disables the limit)"),
    setting("limits.failures_per_ip", "a whole number (0 disables the limit)"),
    setting("limits.window_secs", POSITIVE),
    setting("limits.store", "one of memory, redis"),
    setting("limits.redis_url", "redis://HOST[:PORT][/DB]"),
    setting("limits.redis_key_prefix", "any text, put before each Redis counter's name"),
    setting("limits.redis_timeout_ms", POSITIVE),
    Setting {
        key: "access_tokens.hs256_secret",
        form: "a shared secret of at least 32 bytes, as the only access-token key source",
        secret: true,
    },
    setting("access_tokens.rs256_public_key_pem", "the path of a PEM file holding an RSA public key"),
    setting("access_tokens.jwks_path", "the path of a JWKS file"),
    setting("access_tokens.issuer", "the `iss` access tokens must carry"),
    setting("access_tokens.audience", "an `aud` access tokens must contain"),
    setting("access_tokens.leeway_secs", WHOLE),
    setting("gateway.key_header", "an HTTP header name, e.g. X-API-Key"),
    setting("gateway.trusted_proxies", "IP addresses or CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1"),
    setting("gateway.routes", "rules {methods, path, scopes}: TOML tables, or a JSON array (path /a, /a/* or /a/**)"),
    setting("gateway.default_scopes", "scope names, e.g. products.read,products.update"),
    setting("gateway.strip_credential", "true or false"),
    setting("gateway.grpc_bind", "host:port for Envoy ext_authz over gRPC, e.g. 127.0.0.1:9191 (unset: off)"),
    setting(
        "secret_scanning.github_public_keys_file",
        "the path of GitHub's secret-scanning public-key JSON document (unset: reports are refused)",
    ),
    setting("secret_scanning.on_leak", "one of revoke, flag"),
];

/// The setting named `key`, if there is one.
pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// `server.bind` → `SESAME__SERVER__BIND`.
pub fn env_var(key: &str) -> String {
    format!("SESAME__{}", key.replace('.', "__").to_ascii_uppercase())
}

/// The settings of `section` (`server`), by their key within it; with "",
/// the settings outside every section (`env`).
pub fn in_section(section: &str) -> Vec<&'static str> {
    if section.is_empty() {
        return SETTINGS.iter().map(|s| s.key).filter(|key| !key.contains('.')).collect();
    }
    SETTINGS.iter().filter_map(|s| s.key.strip_prefix(section).and_then(|rest| rest.strip_prefix('.'))).collect()
}

/// The part of `--help` that lists the environment variables.
pub fn help() -> String {
    let mut out = String::from(
        "Settings, in layers: built-in defaults, then a TOML file (--config PATH, or ./sesame.toml if present),\n\
         then environment variables named SESAME__SECTION__KEY (two underscores; `env` is SESAME__ENV).\n\
         Examples:\n  \
         SESAME__SERVER__BIND=0.0.0.0:8080 SESAME__DATABASE__URL=postgres://sesame@db/sesame sesame serve\n  \
         SESAME__ENV=production RUST_LOG=debug NO_COLOR=1 sesame\n\n\
         Environment variables:\n",
    );
    let width = SETTINGS.iter().map(|s| env_var(s.key).len()).max().unwrap_or(0);
    for s in SETTINGS {
        out.push_str(&format!("  {:<width$}  {}\n", env_var(s.key), s.form));
    }
    out.push_str(&format!(
        "  {:<width$}  log filter: error, warn, info (the default), debug or trace; or per target, e.g. info,sqlx=warn\n  \
         {:<width$}  set to anything: logs without colours (they have none unless stderr is a terminal)\n",
        "RUST_LOG", "NO_COLOR"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_becomes_its_environment_variable() {
        assert_eq!(env_var("server.max_body_bytes"), "SESAME__SERVER__MAX_BODY_BYTES");
        assert_eq!(env_var("env"), "SESAME__ENV");
    }

    #[test]
    fn help_lists_every_environment_variable() {
        let help = help();
        for s in SETTINGS {
            assert!(help.contains(&env_var(s.key)), "{} is missing from --help", s.key);
        }
    }

    #[test]
    fn a_section_lists_its_settings_by_their_short_names() {
        assert_eq!(in_section("cache"), ["max_entries", "ttl_secs", "degraded_max_age_ms"]);
    }
}
