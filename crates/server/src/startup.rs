//! Wiring: adapters into ports, use cases into the HTTP adapter, and the
//! server's lifecycle (background usage flushing, graceful shutdown).

use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use sesame_application::api_keys::{
    ChangeApiKeyCredits, CreateApiKey, GetApiKey, ImportApiKeys, ListApiKeys, RevokeApiKey, RotateApiKey, UpdateApiKey,
    VerifyApiKey,
};
use sesame_application::audit_events::ListAuditEvents;
use sesame_application::authentication::{
    Authenticate, AuthenticateAccessToken, FailureLimiter, FailureLimits, VerifiedKeyCache,
};
use sesame_application::gateway::ForwardAuth;
use sesame_application::limits::{FallbackRateLimitStore, MemoryRateLimitStore, UsageLimiter};
use sesame_application::organizations::{
    ActInOrganization, Bootstrap, BootstrapError, Bootstrapped, CreateOrganization, DeactivateOrganization,
    GetOrganization, IssueRootKey, UpdateOrganization,
};
use sesame_application::secret_scanning::ReportLeaks;
use sesame_application::service_accounts::{
    CreateServiceAccount, DeleteServiceAccount, GetServiceAccount, ListServiceAccounts, UpdateServiceAccountLimits,
};
use sesame_application::support::SecretIssuer;
use sesame_application::usage::UsageBuffer;
use sesame_crypto::{JwtAccessTokenVerifier, OsSecretGenerator};
use sesame_domain::ports::{
    AccessTokenVerifier, ApiKeyRepository, AuditLog, Clock, CreditLedger, NoAccessTokens, OrganizationRepository,
    RateLimitStore, ReportSignatures, SecretGenerator, SecretHasher, ServiceAccountRepository,
};
use sesame_http::operations::Operations;
use sesame_http::{HttpConfig, Services};
use thiserror::Error;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::peers::Peers;
use crate::settings::{LimitSettings, RateLimitStoreKind, Settings};
use crate::system_clock::SystemClock;

#[derive(Debug, Error)]
pub enum StartupError {
    /// The persistence error, its source, says whether opening or migrating
    /// failed and why; this names the setting to look at.
    #[error("cannot use the database of database.url (SESAME__DATABASE__URL)")]
    Database(#[from] sesame_persistence::DatabaseError),
    /// Its source names host and port (or the file), the URL without its
    /// password, and the attempts.
    #[error("cannot use the database of database.url (SESAME__DATABASE__URL)")]
    Unreachable(#[from] sesame_persistence::Unreachable),
    /// A pepper file that became unreadable since the settings were checked.
    #[error(transparent)]
    Hashing(#[from] crate::settings::SettingsError),
    #[error("invalid access token settings: {0}")]
    AccessTokens(#[from] sesame_crypto::JwtConfigError),
    #[error("cannot use the Redis of limits.redis_url (SESAME__LIMITS__REDIS_URL)")]
    Redis(#[source] redis_error::RedisUrl),
    #[error("cannot bootstrap the first organization: {0}")]
    Bootstrap(#[from] BootstrapError),
    #[error("cannot listen on `{bind}` (setting gateway.grpc_bind, env SESAME__GATEWAY__GRPC_BIND)")]
    GrpcBind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid gateway settings")]
    Gateway(#[source] crate::settings::SettingsError),
    #[error("invalid secret scanning settings")]
    SecretScanning(#[source] crate::settings::SettingsError),
    #[error("cannot listen on `{bind}` (setting server.bind, env SESAME__SERVER__BIND)")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
}

/// Adapters behind their ports, shared by every command.
pub struct Adapters {
    /// The pool the repositories share, kept to close it cleanly.
    pub database: sesame_persistence::Database,
    pub keys: Arc<dyn ApiKeyRepository>,
    pub organizations: Arc<dyn OrganizationRepository>,
    pub service_accounts: Arc<dyn ServiceAccountRepository>,
    /// JWT access tokens; refuses every token when no provider is configured.
    pub access_tokens: Arc<dyn AccessTokenVerifier>,
    pub audit: Arc<dyn AuditLog>,
    pub issuer: SecretIssuer,
    pub hasher: Arc<dyn SecretHasher>,
    pub generator: Arc<dyn SecretGenerator>,
    pub clock: Arc<dyn Clock>,
    /// Credit balances, spent by one conditional UPDATE each.
    pub credits: Arc<dyn CreditLedger>,
    /// Where rate limits are counted (`limits.store`).
    pub rate_limits: Arc<dyn RateLimitStore>,
    /// GitHub's secret-scanning public keys; `None`: leak reports are refused.
    pub report_signatures: Option<Arc<dyn ReportSignatures>>,
}

/// The Redis URL's error, kept opaque so that only persistence names redis.
mod redis_error {
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    pub struct RedisUrl(pub String);
}

/// Memory, or Redis with memory behind it for when Redis fails.
fn rate_limit_store(limits: &LimitSettings) -> Result<Arc<dyn RateLimitStore>, StartupError> {
    let memory: Arc<dyn RateLimitStore> = Arc::new(MemoryRateLimitStore::new());
    match limits.store {
        RateLimitStoreKind::Memory => Ok(memory),
        RateLimitStoreKind::Redis => {
            let redis = sesame_persistence::RedisRateLimitStore::new(sesame_persistence::RedisSettings {
                url: limits.redis_url.trim().to_owned(),
                key_prefix: limits.redis_key_prefix.clone(),
                timeout: Duration::from_millis(limits.redis_timeout_ms.max(1)),
            })
            .map_err(|e| StartupError::Redis(redis_error::RedisUrl(e.to_string())))?;
            Ok(Arc::new(FallbackRateLimitStore::new(Arc::new(redis), memory)))
        }
    }
}

impl Adapters {
    /// Connects, migrates and builds every adapter.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, or hashing settings are invalid.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        // Before the database: a key file that cannot be used must change nothing.
        let report_signatures = settings
            .secret_scanning
            .public_keys()
            .map_err(StartupError::SecretScanning)?
            .map(|keys| Arc::new(keys) as Arc<dyn ReportSignatures>);
        let db = sesame_persistence::Database::connect_waiting(
            &settings.database.connection(),
            &settings.database.tuning(),
            Duration::from_secs(settings.database.startup_wait_secs),
        )
        .await?;
        // Several instances starting at once: one migrates, the others wait.
        let lock = db.startup_lock().await?;
        let migrated = db.migrate().await;
        lock.release().await;
        migrated?;
        let hasher = settings.hashing.hasher()?;
        match hasher.hmac() {
            // The ids are fingerprints, not the peppers.
            Some(hmac) => tracing::info!(
                scheme = %hasher.scheme(),
                pepper_id = hmac.pepper_id(),
                previous_pepper_ids = ?hmac.previous_pepper_ids(),
                "new secrets are hashed with {}; outdated hashes are replaced on their next cold verify",
                hasher.scheme()
            ),
            None => tracing::info!(
                scheme = %hasher.scheme(),
                "new secrets are hashed with {}; outdated hashes are replaced on their next cold verify",
                hasher.scheme()
            ),
        }
        let hasher: Arc<dyn SecretHasher> = Arc::new(hasher);
        let generator: Arc<dyn SecretGenerator> = Arc::new(OsSecretGenerator);
        let access_tokens: Arc<dyn AccessTokenVerifier> = match JwtAccessTokenVerifier::new(&settings.access_tokens)? {
            Some(verifier) => Arc::new(verifier),
            None => Arc::new(NoAccessTokens),
        };
        Ok(Self {
            service_accounts: Arc::new(db.service_accounts()),
            access_tokens,
            keys: Arc::new(db.api_keys()),
            credits: Arc::new(db.credits()),
            rate_limits: rate_limit_store(&settings.limits)?,
            database: db.clone(),
            organizations: Arc::new(db.organizations()),
            audit: Arc::new(db.audit_log()),
            issuer: SecretIssuer::new(generator.clone(), hasher.clone()),
            generator,
            hasher,
            clock: Arc::new(SystemClock),
            report_signatures,
        })
    }

    /// The verified-key cache, local to this process.
    pub fn verified_key_cache(&self, settings: &Settings) -> VerifiedKeyCache {
        // Drawn fresh at each start: cache keys mean nothing outside this process.
        let mut digest_key = [0u8; 32];
        digest_key.copy_from_slice(self.generator.generate().secret.expose());
        VerifiedKeyCache::new(
            settings.cache.max_entries,
            Duration::from_secs(settings.cache.ttl_secs.max(1)),
            digest_key,
        )
    }

    /// Every use case the HTTP adapter drives, sharing `cache`.
    pub fn services(&self, settings: &Settings, usage: UsageBuffer, cache: VerifiedKeyCache) -> Services {
        let (keys, organizations, clock) = (&self.keys, &self.organizations, &self.clock);
        let limiter = FailureLimiter::new(FailureLimits {
            per_key: settings.limits.failures_per_key,
            per_ip: settings.limits.failures_per_ip,
            window: Duration::from_secs(settings.limits.window_secs.max(1)),
        });
        let authenticate =
            Authenticate::new(keys.clone(), self.hasher.clone(), clock.clone(), usage, cache.clone(), limiter)
                .with_limits(UsageLimiter::new(self.rate_limits.clone(), Some(self.credits.clone())));
        Services {
            change_api_key_credits: ChangeApiKeyCredits::new(
                keys.clone(),
                self.credits.clone(),
                clock.clone(),
                cache.clone(),
            ),
            verify_api_key: VerifyApiKey::new(authenticate.clone()),
            report_leaks: ReportLeaks::new(
                keys.clone(),
                self.hasher.clone(),
                clock.clone(),
                cache.clone(),
                self.report_signatures.clone(),
                settings.secret_scanning.on_leak.policy(),
            ),
            authenticate,
            authenticate_access_token: AuthenticateAccessToken::new(self.access_tokens.clone(), organizations.clone()),
            create_api_key: CreateApiKey::new(
                keys.clone(),
                self.service_accounts.clone(),
                self.issuer.clone(),
                clock.clone(),
            ),
            import_api_keys: ImportApiKeys::new(
                keys.clone(),
                self.service_accounts.clone(),
                self.hasher.clone(),
                clock.clone(),
            ),
            list_api_keys: ListApiKeys::new(keys.clone(), clock.clone()),
            get_api_key: GetApiKey::new(keys.clone(), clock.clone()),
            update_api_key: UpdateApiKey::new(keys.clone(), clock.clone(), cache.clone())
                .with_credits(self.credits.clone()),
            rotate_api_key: RotateApiKey::new(keys.clone(), self.issuer.clone(), clock.clone(), cache.clone()),
            revoke_api_key: RevokeApiKey::new(keys.clone(), clock.clone(), cache.clone()),
            create_organization: CreateOrganization::new(organizations.clone(), self.issuer.clone(), clock.clone()),
            get_organization: GetOrganization::new(organizations.clone()),
            update_organization: UpdateOrganization::new(organizations.clone(), clock.clone()),
            deactivate_organization: DeactivateOrganization::new(organizations.clone(), clock.clone(), cache.clone()),
            list_audit_events: ListAuditEvents::new(self.audit.clone()),
            act_in_organization: ActInOrganization::new(organizations.clone()),
            create_service_account: CreateServiceAccount::new(self.service_accounts.clone(), clock.clone()),
            list_service_accounts: ListServiceAccounts::new(self.service_accounts.clone()),
            get_service_account: GetServiceAccount::new(self.service_accounts.clone()),
            update_service_account_limits: UpdateServiceAccountLimits::new(
                self.service_accounts.clone(),
                self.credits.clone(),
                clock.clone(),
                cache.clone(),
            ),
            delete_service_account: DeleteServiceAccount::new(self.service_accounts.clone(), clock.clone(), cache),
        }
    }

    /// Break-glass: a new root key for an existing organization.
    pub fn issue_root_key(&self) -> IssueRootKey {
        IssueRootKey::new(self.organizations.clone(), self.keys.clone(), self.issuer.clone(), self.clock.clone())
    }

    pub fn bootstrap(&self) -> Bootstrap {
        Bootstrap::new(self.organizations.clone(), self.issuer.clone(), self.clock.clone())
    }
}

/// A built, listening server, not yet serving.
pub struct Application {
    port: u16,
    server: Server,
    usage: UsageBuffer,
    flusher: JoinHandle<()>,
    stop_flushing: Arc<Notify>,
    bootstrapped: Option<Bootstrapped>,
    database: sesame_persistence::Database,
    /// Registered while building, before anyone is told the port: a SIGTERM
    /// sent as soon as the server says it listens is then a graceful stop,
    /// never the default handler's kill.
    stop_signal: Pin<Box<dyn Future<Output = ()> + Send>>,
    peers: Peers,
    operations: Operations,
    drain: Duration,
    upkeep: JoinHandle<()>,
    /// Envoy ext_authz over gRPC, when `gateway.grpc_bind` is set.
    grpc: Option<GrpcServer>,
}

/// The gRPC listener's port and its serving task.
struct GrpcServer {
    port: u16,
    task: JoinHandle<()>,
    stop: Arc<Notify>,
}

impl Application {
    /// Binds the listener, then migrates, bootstraps an empty database and
    /// builds the server. Port 0 in `server.bind` picks a free port; read it back
    /// with [`Application::port`].
    ///
    /// # Errors
    /// See [`StartupError`].
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // Settings built in code (tests) skip the loader's checks.
        let gateway_policy = settings.gateway.policy().map_err(StartupError::Gateway)?;
        // The port first: a start that cannot serve must create nothing, or
        // the root key of an empty database would be made and never shown.
        let listener = TcpListener::bind(&settings.server.bind)
            .map_err(|source| StartupError::Bind { bind: settings.server.bind.clone(), source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { bind: settings.server.bind.clone(), source })?
            .port();
        let grpc_listener = match &settings.gateway.grpc_bind {
            Some(bind) => Some(bind_grpc(bind).await?),
            None => None,
        };
        // Before any counter is registered, or it would count nowhere.
        let metrics = crate::prometheus::handle();
        let adapters = Adapters::build(&settings).await?;
        // Under the lock: of several first starts, one bootstraps.
        let lock = adapters.database.startup_lock().await?;
        let bootstrapped = adapters.bootstrap().if_empty(&settings.bootstrap.organization_name).await;
        lock.release().await;
        let bootstrapped = bootstrapped?;

        let usage = UsageBuffer::new(adapters.keys.clone(), settings.usage.max_pending_keys);
        let peers = Peers::start(adapters.verified_key_cache(&settings), &adapters.database, &settings).await;
        let services = adapters.services(&settings, usage.clone(), peers.cache.clone());
        let http_config = HttpConfig {
            env: settings.env,
            max_body_bytes: settings.server.max_body_bytes,
            body_timeout: Duration::from_secs(settings.server.body_timeout_secs),
        };

        let operations = Operations::new(
            Arc::new(adapters.database.clone()),
            crate::prometheus::renderer(metrics.clone(), &peers, adapters.database.clone()),
        );
        let upkeep = tokio::spawn(crate::prometheus::upkeep(metrics));

        let forward_auth = ForwardAuth::new(services.authenticate.clone(), gateway_policy);
        let grpc = grpc_listener.map(|(listener, port)| {
            let authorization = sesame_grpc::EnvoyAuthorization::new(
                forward_auth.clone(),
                &settings.gateway.key_header,
                settings.gateway.strip_credential,
            );
            let stop = Arc::new(Notify::new());
            let stopped = stop.clone();
            let task = tokio::spawn(async move {
                if let Err(err) =
                    sesame_grpc::serve(listener, authorization, async move { stopped.notified().await }).await
                {
                    tracing::error!(error = %err, "the gRPC (Envoy ext_authz) server failed");
                }
            });
            tracing::info!(port, "Envoy ext_authz (gRPC) listening");
            GrpcServer { port, task, stop }
        });
        let gateway = web::Data::new(sesame_http::gateway::Gateway {
            forward_auth,
            key_header: actix_web::http::header::HeaderName::from_bytes(settings.gateway.key_header.trim().as_bytes())
                .expect("checked by GatewaySettings::policy"),
        });
        let services = web::Data::new(services);
        let operations_data = web::Data::new(operations.clone());
        let http_data = web::Data::new(http_config.clone());
        let max_body = http_config.max_body_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(services.clone())
                .app_data(operations_data.clone())
                .app_data(http_data.clone())
                .app_data(gateway.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .configure(sesame_http::configure)
        })
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .max_connections(settings.server.max_connections_per_worker)
        // actix stops at once on SIGINT; Sesame handles both signals itself
        // so that both are graceful.
        .disable_signals();
        if let Some(workers) = settings.server.workers {
            server = server.workers(workers.max(1));
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind { bind: settings.server.bind.clone(), source })?
            .run();

        let stop_flushing = Arc::new(Notify::new());
        let flusher = tokio::spawn(flush_periodically(
            usage.clone(),
            Duration::from_millis(settings.usage.flush_interval_ms),
            stop_flushing.clone(),
        ));
        Ok(Self {
            port,
            server,
            usage,
            flusher,
            stop_flushing,
            bootstrapped,
            database: adapters.database,
            stop_signal: Box::pin(shutdown_signal()),
            peers,
            operations,
            drain: Duration::from_secs(settings.server.drain_secs),
            upkeep,
            grpc,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of Envoy ext_authz over gRPC, when `gateway.grpc_bind` is set.
    pub fn grpc_port(&self) -> Option<u16> {
        self.grpc.as_ref().map(|grpc| grpc.port)
    }

    /// The organization and root key made on this start, if the database was empty.
    pub fn bootstrapped(&self) -> Option<&Bootstrapped> {
        self.bootstrapped.as_ref()
    }

    /// The usage buffer, so tests (and shutdown) can flush on demand.
    pub fn usage(&self) -> UsageBuffer {
        self.usage.clone()
    }

    /// Serves until SIGTERM/SIGINT, lets in-flight requests finish, then
    /// writes the usage still in memory so that no counted request is lost.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let signal = self.stop_signal;
        let (operations, drain) = (self.operations.clone(), self.drain);
        tokio::spawn(async move {
            signal.await;
            operations.drain();
            if !drain.is_zero() {
                tracing::info!(drain_secs = drain.as_secs(), "shutting down: /readyz answers 503 while draining");
                tokio::time::sleep(drain).await;
            }
            tracing::info!("shutting down: finishing in-flight requests");
            handle.stop(true).await;
        });
        let result = self.server.await;
        if let Some(grpc) = self.grpc {
            grpc.stop.notify_one();
            let _ = grpc.task.await;
        }
        // Let a flush in progress finish rather than abort it mid-batch.
        self.stop_flushing.notify_one();
        if let Err(err) = self.flusher.await {
            tracing::error!(error = %err, "the usage flusher failed");
        }
        match self.usage.flush().await {
            Ok(n) => tracing::info!(keys = n, "usage flushed on shutdown"),
            Err(err) => tracing::error!(error = %err, "usage could not be flushed on shutdown"),
        }
        self.peers.stop().await;
        self.upkeep.abort();
        if let Err(err) = self.database.checkpoint().await {
            tracing::error!(error = %err, source = ?std::error::Error::source(&err), "the database was not closed cleanly");
        }
        result
    }
}

/// The gRPC listener of `gateway.grpc_bind`, and its port.
async fn bind_grpc(bind: &str) -> Result<(tokio::net::TcpListener, u16), StartupError> {
    let error = |source| StartupError::GrpcBind { bind: bind.to_owned(), source };
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(error)?;
    let port = listener.local_addr().map_err(error)?.port();
    Ok((listener, port))
}

/// Resolves on SIGTERM or SIGINT. Both are listened for from the call on,
/// not from the first poll.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let signals = signal(SignalKind::terminate()).and_then(|t| Ok((t, signal(SignalKind::interrupt())?)));
        async move {
            match signals {
                Ok((mut terminate, mut interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Keys written per periodic usage flush, its duration, and failed flushes.
pub const USAGE_FLUSH_KEYS: &str = "sesame_usage_flush_keys";
pub const USAGE_FLUSH_DURATION: &str = "sesame_usage_flush_duration_seconds";
pub const USAGE_FLUSH_FAILURES: &str = "sesame_usage_flush_failures_total";

async fn flush_periodically(usage: UsageBuffer, every: Duration, stop: Arc<Notify>) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = usage.full() => {}
            () = stop.notified() => return,
        }
        let started = std::time::Instant::now();
        match usage.flush().await {
            Ok(keys) => {
                #[allow(clippy::cast_precision_loss)]
                metrics::histogram!(USAGE_FLUSH_KEYS).record(keys as f64);
                metrics::histogram!(USAGE_FLUSH_DURATION).record(started.elapsed().as_secs_f64());
            }
            Err(err) => {
                metrics::counter!(USAGE_FLUSH_FAILURES).increment(1);
                tracing::warn!(error = %err, "usage flush failed; will retry");
            }
        }
    }
}
