//! The other instances on the same database: on PostgreSQL the verified-key
//! cache publishes its invalidations to them and listens for theirs; on
//! SQLite (one process) it stays local.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sesame_application::authentication::VerifiedKeyCache;
use sesame_persistence::PgInvalidationBus;
use tokio::task::JoinHandle;

use crate::settings::Settings;

/// This process's cache and, on PostgreSQL, its end of the bus.
pub struct Peers {
    pub cache: VerifiedKeyCache,
    bus: Option<(PgInvalidationBus, JoinHandle<()>)>,
}

impl Peers {
    /// Connects `cache` to its peers: on PostgreSQL, starts listening and waits (at
    /// most `database.connect_timeout_secs`) for the listener to connect:
    /// its first connect clears the cache, which should happen before the
    /// first request rather than under it. Until the listener connects, the
    /// cache serves only entries younger than `cache.degraded_max_age_ms`.
    pub async fn start(cache: VerifiedKeyCache, database: &sesame_persistence::Database, settings: &Settings) -> Self {
        match database.invalidation_bus(settings.database.invalidation_bus()) {
            Some(bus) => {
                let cache =
                    cache.with_peers(Arc::new(bus.clone()), Duration::from_millis(settings.cache.degraded_max_age_ms));
                let listener = bus.listen(Arc::new(cache.clone()));
                let give_up = Instant::now() + Duration::from_secs(settings.database.connect_timeout_secs.max(1));
                while !cache.is_listening() && Instant::now() < give_up {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Self { cache, bus: Some((bus, listener)) }
            }
            None => Self { cache, bus: None },
        }
    }

    /// Whether this instance listens to others (PostgreSQL) at all.
    pub fn has_listener(&self) -> bool {
        self.bus.is_some()
    }

    /// Sends what is still queued, then stops listening.
    pub async fn stop(self) {
        if let Some((bus, listener)) = self.bus {
            bus.flush().await;
            listener.abort();
        }
    }
}
