//! Rehashing in the background: a secret that matched a hash of another
//! scheme, of older parameters or of an older pepper gets a fresh hash,
//! without the request that presented it waiting for it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use sesame_domain::ports::{ApiKeyRepository, SecretHasher};
use sesame_domain::{ApiKeyId, LookupId, SecretBytes, SecretHash};
use tokio::sync::{mpsc, oneshot};

/// Rehashes by outcome: `replaced`, `superseded` (the stored hash changed
/// meanwhile, e.g. another instance rehashed it first), `dropped` (the
/// queue was full; the next cold verify of the key asks again), `failed`.
pub const REHASHES: &str = "sesame_rehashes_total";

/// Rehashes waiting at most; beyond, a request is dropped, not queued.
const QUEUE_LENGTH: usize = 1024;

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One task runs the rehashes one after the other, so that after a change
/// of `hashing.scheme` to argon2id the rehashes of a cold start take at most
/// one core (one of `hashing.max_concurrent` permits) from the requests.
/// Pending rehashes are lost at shutdown; a key not rehashed yet is asked
/// for again on its next cold verify.
#[derive(Clone, Default)]
pub struct RehashQueue {
    jobs: Arc<OnceLock<mpsc::Sender<Job>>>,
}

impl RehashQueue {
    /// The worker is spawned on first use, on the runtime of that caller.
    fn jobs(&self) -> &mpsc::Sender<Job> {
        self.jobs.get_or_init(|| {
            let (send, mut receive) = mpsc::channel::<Job>(QUEUE_LENGTH);
            tokio::spawn(async move {
                while let Some(job) = receive.recv().await {
                    job.await;
                }
            });
            send
        })
    }

    /// Queues the replacement of `old`, the hash `secret` just matched, by a
    /// fresh hash, at `moved_to` (an imported digest's key moves; any other
    /// stays where it is); returns at once.
    #[allow(clippy::too_many_arguments)]
    pub fn submit(
        &self,
        keys: Arc<dyn ApiKeyRepository>,
        hasher: Arc<dyn SecretHasher>,
        key_id: ApiKeyId,
        lookup: LookupId,
        moved_to: LookupId,
        secret: SecretBytes,
        old: SecretHash,
    ) {
        let job = Box::pin(async move {
            let outcome = match hasher.hash(&secret).await {
                Err(e) => Err(e.to_string()),
                Ok(new) => keys.replace_hash(&lookup, &old, &moved_to, &new).await.map_err(|e| e.to_string()),
            };
            let outcome = match outcome {
                Ok(true) => "replaced",
                Ok(false) => "superseded",
                Err(error) => {
                    tracing::warn!(key_id = %key_id, error, "rehashing a key's secret failed");
                    "failed"
                }
            };
            metrics::counter!(REHASHES, "outcome" => outcome).increment(1);
        });
        if self.jobs().try_send(job).is_err() {
            metrics::counter!(REHASHES, "outcome" => "dropped").increment(1);
        }
    }

    /// Waits until every rehash queued before this call has run.
    pub async fn idle(&self) {
        let (done, finished) = oneshot::channel();
        let marker: Job = Box::pin(async move {
            let _ = done.send(());
        });
        if self.jobs().send(marker).await.is_ok() {
            let _ = finished.await;
        }
    }
}
