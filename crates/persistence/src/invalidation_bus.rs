//! Cross-instance cache invalidation over PostgreSQL's LISTEN/NOTIFY.
//!
//! Each instance publishes what it invalidated with `pg_notify` on the
//! shared pool, and listens on a connection of its own. NOTIFY is not
//! durable: a message sent while an instance is not listening is lost to
//! it, which is why the subscriber is told about every (re)connect and
//! every loss. SQLite is one process: it has no bus, and local invalidation
//! is enough.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;
use sesame_domain::ports::{Invalidation, InvalidationPublisher, InvalidationSubscriber};
use sesame_domain::{ApiKeyId, OrganizationId};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::Database;

/// The channel every instance of one database listens on.
pub const INVALIDATION_CHANNEL: &str = "sesame_cache_invalidations";

/// Invalidations sent to the other instances, received from them, and
/// given up after retrying.
pub const INVALIDATIONS_SENT: &str = "sesame_invalidations_sent_total";
pub const INVALIDATIONS_RECEIVED: &str = "sesame_invalidations_received_total";
pub const INVALIDATIONS_LOST: &str = "sesame_invalidations_lost_total";

/// How the bus behaves when PostgreSQL goes away.
#[derive(Debug, Clone)]
pub struct InvalidationBusSettings {
    /// First wait before connecting the listener again; doubled per failure.
    pub reconnect_min: Duration,
    /// Longest wait between two attempts.
    pub reconnect_max: Duration,
    /// How long a message is retried before it is given up (and logged).
    pub publish_retry_for: Duration,
}

enum Command {
    Publish(Invalidation),
    /// Answered once every message queued before it has been handled.
    Flush(oneshot::Sender<()>),
}

/// One instance's end of the bus: an [`InvalidationPublisher`] that queues
/// and sends, and [`PgInvalidationBus::listen`] for what the others send.
#[derive(Clone)]
pub struct PgInvalidationBus {
    queue: mpsc::UnboundedSender<Command>,
    pool: PgPool,
    /// Tells this instance's own messages apart when they come back.
    instance: Uuid,
    settings: InvalidationBusSettings,
}

impl Database {
    /// The bus on PostgreSQL; `None` on SQLite, whose one process needs none.
    /// Starts the task that sends queued messages, so it must be called
    /// within a Tokio runtime.
    pub fn invalidation_bus(&self, settings: InvalidationBusSettings) -> Option<PgInvalidationBus> {
        if self.conn.get_database_backend() != DbBackend::Postgres {
            return None;
        }
        let pool = self.conn.get_postgres_connection_pool().clone();
        let (queue, commands) = mpsc::unbounded_channel();
        let bus = PgInvalidationBus { queue, pool, instance: Uuid::new_v4(), settings };
        tokio::spawn(send_queued(bus.clone(), commands));
        Some(bus)
    }
}

impl InvalidationPublisher for PgInvalidationBus {
    fn publish(&self, invalidation: Invalidation) {
        // Fails only once the sending task has ended, at shutdown.
        let _ = self.queue.send(Command::Publish(invalidation));
    }
}

impl PgInvalidationBus {
    /// Waits until every message published so far has been sent or given
    /// up: a graceful stop calls it so that no committed change goes untold.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    /// Listens until the returned task is aborted, reporting to
    /// `subscriber` each message from another instance, each connect and
    /// each loss of the connection. Reconnects with a doubling back-off.
    /// The connection is named `sesame-listener-<pid>` in `pg_stat_activity`.
    pub fn listen(&self, subscriber: Arc<dyn InvalidationSubscriber>) -> JoinHandle<()> {
        let bus = self.clone();
        tokio::spawn(async move { bus.listen_forever(subscriber.as_ref()).await })
    }

    async fn listen_forever(&self, subscriber: &dyn InvalidationSubscriber) {
        let mut delay = self.settings.reconnect_min;
        // Warn once per outage, not once per attempt.
        let mut warned = false;
        loop {
            match self.connect().await {
                Ok(mut listener) => {
                    subscriber.connected();
                    if warned {
                        tracing::info!("the cache invalidation listener is connected again");
                    }
                    delay = self.settings.reconnect_min;
                    let cause = loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => self.deliver(notification.payload(), subscriber),
                            Ok(None) => break "the connection was closed".to_owned(),
                            Err(err) => break err.to_string(),
                        }
                    };
                    subscriber.disconnected();
                    tracing::warn!(cause = %cause, "the cache invalidation listener lost its connection");
                    warned = true;
                }
                Err(err) => {
                    subscriber.disconnected();
                    if !warned {
                        tracing::warn!(cause = %err, "the cache invalidation listener cannot connect; retrying");
                        warned = true;
                    }
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.settings.reconnect_max);
        }
    }

    /// A connection of its own (not one of the shared pool's), so that
    /// losing it and replacing it touch nothing else.
    async fn connect(&self) -> Result<PgListener, sea_orm::sqlx::Error> {
        let options =
            (*self.pool.connect_options()).clone().application_name(&format!("sesame-listener-{}", std::process::id()));
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(self.pool.options().get_acquire_timeout())
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(options);
        let mut listener = PgListener::connect_with(&pool).await?;
        // A lost connection ends this listener; `listen_forever` makes the next.
        listener.eager_reconnect(false);
        listener.listen(INVALIDATION_CHANNEL).await?;
        Ok(listener)
    }

    fn deliver(&self, payload: &str, subscriber: &dyn InvalidationSubscriber) {
        match decode(payload) {
            Some((from, _)) if from == self.instance => {}
            Some((_, invalidation)) => {
                metrics::counter!(INVALIDATIONS_RECEIVED).increment(1);
                subscriber.received(invalidation);
            }
            None => {
                // A message this version cannot read (a newer instance's, in
                // a rolling upgrade): dropping everything is never wrong.
                tracing::warn!("an unreadable cache invalidation was received; the whole cache is dropped");
                subscriber.connected();
            }
        }
    }

    async fn send(&self, invalidation: Invalidation) {
        let payload = encode(self.instance, invalidation);
        let mut delay = Duration::from_millis(50);
        let give_up = tokio::time::Instant::now() + self.settings.publish_retry_for;
        loop {
            let sent = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                .bind(INVALIDATION_CHANNEL)
                .bind(&payload)
                .execute(&self.pool)
                .await;
            match sent {
                Ok(_) => return metrics::counter!(INVALIDATIONS_SENT).increment(1),
                Err(err) if tokio::time::Instant::now() + delay > give_up => {
                    metrics::counter!(INVALIDATIONS_LOST).increment(1);
                    tracing::error!(
                        cause = %err,
                        "a cache invalidation could not be sent to the other instances; \
                         they serve the change's keys from cache until their entries expire"
                    );
                    return;
                }
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
            }
        }
    }
}

/// Sends in order, one at a time: invalidations are rare, and in order a
/// flush means "everything before it".
async fn send_queued(bus: PgInvalidationBus, mut commands: mpsc::UnboundedReceiver<Command>) {
    while let Some(command) = commands.recv().await {
        match command {
            Command::Publish(invalidation) => bus.send(invalidation).await,
            Command::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

fn encode(from: Uuid, invalidation: Invalidation) -> String {
    match invalidation {
        Invalidation::Key(id) => json!({"from": from, "key": id.to_string()}),
        Invalidation::Organization(id) => json!({"from": from, "organization": id.to_string()}),
    }
    .to_string()
}

fn decode(payload: &str) -> Option<(Uuid, Invalidation)> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let from = value.get("from")?.as_str()?.parse().ok()?;
    let invalidation = if let Some(key) = value.get("key") {
        Invalidation::Key(key.as_str()?.parse::<ApiKeyId>().ok()?)
    } else {
        Invalidation::Organization(value.get("organization")?.as_str()?.parse::<OrganizationId>().ok()?)
    };
    Some((from, invalidation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_back_as_what_was_sent() {
        let from = Uuid::new_v4();
        let key = ApiKeyId::generate();
        let org = OrganizationId::generate();
        assert_eq!(decode(&encode(from, Invalidation::Key(key))), Some((from, Invalidation::Key(key))));
        assert_eq!(
            decode(&encode(from, Invalidation::Organization(org))),
            Some((from, Invalidation::Organization(org)))
        );
    }

    #[test]
    fn a_message_of_another_shape_is_unreadable() {
        assert_eq!(decode("{}"), None);
        assert_eq!(decode(r#"{"from":"x","key":"api_key_1"}"#), None);
        assert_eq!(decode(&format!(r#"{{"from":"{}","group":"g"}}"#, Uuid::new_v4())), None);
    }
}
