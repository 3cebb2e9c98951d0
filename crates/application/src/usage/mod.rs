use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use sesame_domain::ports::{ApiKeyRepository, RepositoryError};
use sesame_domain::{ApiKeyId, UsageRecord};
use tokio::sync::Notify;

/// Counts key usage in memory and writes it in batches, so that a verified
/// request costs a map update instead of a database write.
///
/// A background task calls [`UsageBuffer::flush`] on a timer and whenever
/// [`UsageBuffer::full`] fires; shutdown calls it once more so that no counted
/// request is lost.
#[derive(Clone)]
pub struct UsageBuffer {
    keys: Arc<dyn ApiKeyRepository>,
    pending: Arc<Mutex<HashMap<ApiKeyId, UsageRecord>>>,
    /// Serializes flushes, so two never race to write the same totals.
    flushing: Arc<tokio::sync::Mutex<()>>,
    full: Arc<Notify>,
    max_pending_keys: usize,
}

impl UsageBuffer {
    pub fn new(keys: Arc<dyn ApiKeyRepository>, max_pending_keys: usize) -> Self {
        Self {
            keys,
            pending: Arc::default(),
            flushing: Arc::default(),
            full: Arc::default(),
            max_pending_keys: max_pending_keys.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ApiKeyId, UsageRecord>> {
        // A poisoned map only means a panic mid-insert elsewhere; the counts
        // in it are still whole, so keep using them.
        self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts one use of `key_id`.
    pub fn record(&self, key_id: ApiKeyId, at: DateTime<Utc>, ip: Option<IpAddr>, user_agent: Option<&str>) {
        // User agents are client-controlled: bound what we keep.
        let user_agent = user_agent.map(|ua| ua.char_indices().nth(512).map_or(ua, |(end, _)| &ua[..end]));
        let len = {
            let mut pending = self.lock();
            match pending.get_mut(&key_id) {
                Some(record) => {
                    record.requests += 1;
                    if at >= record.last_used_at {
                        record.last_used_at = at;
                        record.last_used_ip = ip;
                        // Most uses repeat the last client: allocate only on change.
                        if record.last_used_user_agent.as_deref() != user_agent {
                            record.last_used_user_agent = user_agent.map(str::to_owned);
                        }
                    }
                }
                None => {
                    pending.insert(
                        key_id,
                        UsageRecord {
                            key_id,
                            requests: 1,
                            last_used_at: at,
                            last_used_ip: ip,
                            last_used_user_agent: user_agent.map(str::to_owned),
                        },
                    );
                }
            }
            pending.len()
        };
        if len >= self.max_pending_keys {
            self.full.notify_one();
        }
    }

    /// How many keys have usage waiting to be written.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// Resolves when the buffer holds `max_pending_keys` keys.
    pub async fn full(&self) {
        self.full.notified().await;
    }

    /// Writes everything counted so far. On failure the counts are put back,
    /// to be retried by the next flush.
    ///
    /// # Errors
    /// The repository's error.
    pub async fn flush(&self) -> Result<usize, RepositoryError> {
        let _guard = self.flushing.lock().await;
        let batch: Vec<UsageRecord> = self.lock().drain().map(|(_, r)| r).collect();
        if batch.is_empty() {
            return Ok(0);
        }
        if let Err(err) = self.keys.record_usage(&batch).await {
            let mut pending = self.lock();
            for record in batch {
                pending
                    .entry(record.key_id)
                    .and_modify(|r| {
                        r.requests += record.requests;
                        if record.last_used_at > r.last_used_at {
                            r.last_used_at = record.last_used_at;
                            r.last_used_ip = record.last_used_ip;
                            r.last_used_user_agent = record.last_used_user_agent.clone();
                        }
                    })
                    .or_insert(record);
            }
            return Err(err);
        }
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::now;
    use chrono::Duration;
    use sesame_domain::ports::MockApiKeyRepository;

    #[tokio::test]
    async fn uses_of_one_key_are_summed_into_one_record_with_the_latest_details() {
        let key_id = ApiKeyId::generate();
        let mut repo = MockApiKeyRepository::new();
        repo.expect_record_usage()
            .withf(move |batch| {
                batch.len() == 1
                    && batch[0].requests == 3
                    && batch[0].last_used_ip == Some("10.0.0.3".parse().unwrap())
                    && batch[0].last_used_user_agent.as_deref() == Some("c")
            })
            .times(1)
            .returning(|_| Ok(()));
        let buffer = UsageBuffer::new(Arc::new(repo), 100);
        for (i, (ip, ua)) in [("10.0.0.1", "a"), ("10.0.0.3", "c"), ("10.0.0.2", "b")].into_iter().enumerate() {
            // The second use is the latest one, though recorded before the third.
            let at = now() + Duration::seconds(if i == 1 { 10 } else { i as i64 });
            buffer.record(key_id, at, Some(ip.parse().unwrap()), Some(ua));
        }
        assert_eq!(buffer.flush().await.unwrap(), 1);
        assert_eq!(buffer.pending(), 0);
    }

    #[tokio::test]
    async fn a_failed_flush_keeps_the_counts_for_the_next_one() {
        let key_id = ApiKeyId::generate();
        let mut repo = MockApiKeyRepository::new();
        let mut seq = mockall::Sequence::new();
        repo.expect_record_usage()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Err(RepositoryError::Conflict("test".into())));
        repo.expect_record_usage()
            .withf(|batch| batch.len() == 1 && batch[0].requests == 3)
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(()));
        let buffer = UsageBuffer::new(Arc::new(repo), 100);
        buffer.record(key_id, now(), None, None);
        buffer.record(key_id, now(), None, None);
        assert!(buffer.flush().await.is_err());
        buffer.record(key_id, now(), None, None);
        assert_eq!(buffer.flush().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn an_empty_buffer_writes_nothing() {
        let repo = MockApiKeyRepository::new();
        let buffer = UsageBuffer::new(Arc::new(repo), 100);
        assert_eq!(buffer.flush().await.unwrap(), 0);
    }
}
