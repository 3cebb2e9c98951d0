//! The metrics recorder, installed once per process, and the gauges that
//! are read when `/metrics` is scraped rather than kept up to date.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::gauge;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sesame_persistence::Database;

use crate::peers::Peers;

/// Buckets of every `…_seconds` histogram (request latency, argon2id): a cached verify is well under a
/// millisecond, a cold one tens of milliseconds (argon2id), a slow write more.
const LATENCY_BUCKETS: [f64; 14] =
    [0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

pub const CACHE_ENTRIES: &str = "sesame_cache_entries";
pub const LISTENER_CONNECTED: &str = "sesame_invalidation_listener_connected";
pub const POOL_CONNECTIONS: &str = "sesame_db_pool_connections";

/// The process's recorder: installed by the first call (before any counter
/// is registered, so that none is a no-op), shared by every later one (the
/// in-process tests start several applications).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            // Fails only for an empty bucket list.
            let builder = builder
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics shows nothing");
            }
            handle
        })
        .clone()
}

/// What `/metrics` renders: the recorder's counters and histograms, after
/// reading the gauges that describe state (cache size, listener, pool).
pub fn renderer(
    handle: PrometheusHandle,
    peers: &Peers,
    database: Database,
) -> Arc<sesame_http::operations::RenderMetrics> {
    let cache = peers.cache.clone();
    let has_listener = peers.has_listener();
    Arc::new(move || {
        #[allow(clippy::cast_precision_loss)]
        gauge!(CACHE_ENTRIES).set(cache.len() as f64);
        if has_listener {
            gauge!(LISTENER_CONNECTED).set(if cache.is_listening() { 1.0 } else { 0.0 });
        }
        let pool = database.pool_usage();
        gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(pool.in_use));
        gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle));
        handle.render()
    })
}

/// Keeps the histograms' buffers bounded when nobody scrapes.
pub async fn upkeep(handle: PrometheusHandle) {
    let mut ticker = tokio::time::interval(Duration::from_secs(5));
    loop {
        ticker.tick().await;
        handle.run_upkeep();
    }
}
