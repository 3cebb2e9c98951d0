//! Wiring: adapters into ports, use cases into the HTTP adapter, and the
//! server's lifecycle (background usage flushing, graceful shutdown).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use sesame_application::{Authenticate, Bootstrap, Bootstrapped, CreateApiKey, SecretIssuer, UsageBuffer};
use sesame_domain::ports::{ApiKeyRepository, Clock, OrganizationRepository, SecretGenerator, SecretHasher};
use sesame_http::{HttpConfig, Services};
use sesame_persistence::{DatabaseConnection, DbErr, SeaOrmApiKeyRepository, SeaOrmOrganizationRepository};
use sesame_system::{Argon2SecretHasher, OsSecretGenerator, SystemClock};
use thiserror::Error;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::settings::Settings;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[source] DbErr),
    #[error("cannot migrate the database: {0}")]
    Migration(#[source] DbErr),
    #[error("invalid hashing settings: {0}")]
    Hashing(#[from] sesame_system::InvalidArgon2Params),
    #[error("cannot bootstrap the first organization: {0}")]
    Bootstrap(#[from] sesame_application::BootstrapError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
}

/// Adapters behind their ports, shared by every command.
pub struct Adapters {
    pub db: DatabaseConnection,
    pub keys: Arc<dyn ApiKeyRepository>,
    pub organizations: Arc<dyn OrganizationRepository>,
    pub issuer: SecretIssuer,
    pub hasher: Arc<dyn SecretHasher>,
    pub clock: Arc<dyn Clock>,
}

impl Adapters {
    /// Connects, migrates and builds every adapter.
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, or hashing settings are invalid.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let db = sesame_persistence::connect(&settings.database.connection())
            .await
            .map_err(StartupError::Database)?;
        sesame_persistence::migrate(&db)
            .await
            .map_err(StartupError::Migration)?;
        let hasher: Arc<dyn SecretHasher> = Arc::new(Argon2SecretHasher::new(settings.hashing.params())?);
        let generator: Arc<dyn SecretGenerator> = Arc::new(OsSecretGenerator);
        Ok(Self {
            keys: Arc::new(SeaOrmApiKeyRepository::new(db.clone())),
            organizations: Arc::new(SeaOrmOrganizationRepository::new(db.clone())),
            issuer: SecretIssuer::new(generator, hasher.clone()),
            hasher,
            clock: Arc::new(SystemClock),
            db,
        })
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
    bootstrapped: Option<Bootstrapped>,
    db: DatabaseConnection,
}

impl Application {
    /// Migrates, bootstraps an empty database, binds the listener and builds
    /// the server. Port 0 in `server.bind` picks a free port; read it back
    /// with [`Application::port`].
    ///
    /// # Errors
    /// See [`StartupError`].
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let adapters = Adapters::build(&settings).await?;
        let bootstrapped = adapters
            .bootstrap()
            .if_empty(&settings.bootstrap.organization_name)
            .await?;

        let usage = UsageBuffer::new(adapters.keys.clone(), settings.usage.max_pending_keys);
        let services = Services {
            authenticate: Authenticate::new(
                adapters.keys.clone(),
                adapters.hasher.clone(),
                adapters.clock.clone(),
                usage.clone(),
            ),
            create_api_key: CreateApiKey::new(adapters.keys.clone(), adapters.issuer.clone(), adapters.clock.clone()),
        };
        let http_config = HttpConfig {
            env: settings.env,
            max_body_bytes: settings.server.max_body_bytes,
        };

        let listener = TcpListener::bind(&settings.server.bind).map_err(|source| StartupError::Bind {
            bind: settings.server.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                bind: settings.server.bind.clone(),
                source,
            })?
            .port();

        let services = web::Data::new(services);
        let http_data = web::Data::new(http_config.clone());
        let max_body = http_config.max_body_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(sesame_http::request_id_middleware))
                .wrap(TracingLogger::default())
                .app_data(services.clone())
                .app_data(http_data.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .configure(sesame_http::configure)
        })
        .shutdown_timeout(settings.server.shutdown_timeout_secs);
        if let Some(workers) = settings.server.workers {
            server = server.workers(workers.max(1));
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                bind: settings.server.bind.clone(),
                source,
            })?
            .run();

        let flusher = tokio::spawn(flush_periodically(
            usage.clone(),
            Duration::from_millis(settings.usage.flush_interval_ms),
        ));
        Ok(Self {
            port,
            server,
            usage,
            flusher,
            bootstrapped,
            db: adapters.db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The organization and root key made on this start, if the database was empty.
    pub fn bootstrapped(&self) -> Option<&Bootstrapped> {
        self.bootstrapped.as_ref()
    }

    /// The usage buffer, so tests (and shutdown) can flush on demand.
    pub fn usage(&self) -> UsageBuffer {
        self.usage.clone()
    }

    pub fn database(&self) -> DatabaseConnection {
        self.db.clone()
    }

    /// Serves until SIGTERM/SIGINT, lets in-flight requests finish, then
    /// writes the usage still in memory so that no counted request is lost.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.flusher.abort();
        match self.usage.flush().await {
            Ok(n) => tracing::info!(keys = n, "usage flushed on shutdown"),
            Err(err) => tracing::error!(error = %err, "usage could not be flushed on shutdown"),
        }
        result
    }
}

async fn flush_periodically(usage: UsageBuffer, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = usage.full() => {}
        }
        if let Err(err) = usage.flush().await {
            tracing::warn!(error = %err, "usage flush failed; will retry");
        }
    }
}
