//! Rate limits shared by every instance, in Redis: one Lua script per check
//! reads every window of the request's limits and spends the cost on all of
//! them or on none, atomically (Redis runs a script alone). A window starts
//! at the first use after the previous one expired, its end is the key's
//! TTL, so the clock is Redis's and instances' clocks need not agree.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sesame_domain::ports::{RateLimitCheck, RateLimitStore, RateLimitStoreError, SubjectLimit};
use sesame_domain::LimitState;
use thiserror::Error;
use tokio::sync::{Mutex, RwLock};

/// KEYS: one counter per limit. ARGV[1]: the cost; then, per limit, its
/// budget and its window in ms. Returns the 1-based index of the first limit
/// without room (0: none, and the cost was spent), then per limit the units
/// used and the ms left in its window.
const CHECK_SCRIPT: &str = r"
local cost = tonumber(ARGV[1])
local used, ttl, exceeded = {}, {}, 0
for i = 1, #KEYS do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local t = redis.call('PTTL', KEYS[i])
  local u = 0
  if t < 0 then t = window else u = tonumber(redis.call('GET', KEYS[i]) or '0') end
  used[i], ttl[i] = u, t
  if exceeded == 0 and u + cost > limit then exceeded = i end
end
if exceeded == 0 and cost > 0 then
  for i = 1, #KEYS do
    if used[i] == 0 then
      redis.call('SET', KEYS[i], cost, 'PX', ttl[i])
    else
      redis.call('INCRBY', KEYS[i], cost)
    end
    used[i] = used[i] + cost
  end
end
local out = { exceeded }
for i = 1, #KEYS do
  out[#out + 1] = used[i]
  out[#out + 1] = ttl[i]
end
return out
";

/// How Sesame reaches Redis for rate limits.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://host:port/db`.
    pub url: String,
    /// Put before every counter's name, so that several deployments (or
    /// test runs) can share one Redis.
    pub key_prefix: String,
    /// The longest a check waits for Redis before the memory fallback answers.
    pub timeout: Duration,
}

#[derive(Debug, Error)]
enum RedisStoreError {
    #[error("no connection to Redis (retrying at most once a second)")]
    NotConnected,
    #[error("Redis did not answer within {0:?}")]
    TimedOut(Duration),
    #[error("Redis answered with an unexpected reply")]
    BadReply,
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

fn failed(err: RedisStoreError) -> RateLimitStoreError {
    RateLimitStoreError(Box::new(err))
}

/// See the module's comment.
pub struct RedisRateLimitStore {
    client: redis::Client,
    settings: RedisSettings,
    script: redis::Script,
    /// Set once a first connection succeeded; the manager reconnects by itself.
    connection: RwLock<Option<ConnectionManager>>,
    connecting: Mutex<()>,
    /// Unix ms of the last attempt to connect, so an unreachable Redis costs
    /// one attempt a second, not one per request.
    last_attempt_ms: AtomicI64,
}

impl RedisRateLimitStore {
    /// Reads the URL; connects on first use.
    ///
    /// # Errors
    /// A URL the redis crate cannot read.
    pub fn new(settings: RedisSettings) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(settings.url.as_str())?,
            settings,
            script: redis::Script::new(CHECK_SCRIPT),
            connection: RwLock::new(None),
            connecting: Mutex::new(()),
            last_attempt_ms: AtomicI64::new(i64::MIN),
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, RedisStoreError> {
        if let Some(conn) = self.connection.read().await.as_ref() {
            return Ok(conn.clone());
        }
        // One attempt at a time: the checks that arrive meanwhile wait for
        // its outcome (at most the timeout) instead of falling back.
        let _connecting = self.connecting.lock().await;
        if let Some(conn) = self.connection.read().await.as_ref() {
            return Ok(conn.clone());
        }
        let now_ms = Utc::now().timestamp_millis();
        if now_ms.saturating_sub(self.last_attempt_ms.load(Ordering::Relaxed)) < 1000 {
            return Err(RedisStoreError::NotConnected);
        }
        self.last_attempt_ms.store(now_ms, Ordering::Relaxed);
        let timeout = self.settings.timeout;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout)
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(timeout, ConnectionManager::new_with_config(self.client.clone(), config))
            .await
            .map_err(|_| RedisStoreError::TimedOut(timeout))??;
        *self.connection.write().await = Some(conn.clone());
        Ok(conn)
    }

    async fn run(&self, limits: &[SubjectLimit], cost: u64) -> Result<Vec<i64>, RedisStoreError> {
        let mut conn = self.connection().await?;
        let mut invocation = self.script.prepare_invoke();
        invocation.arg(cost);
        for l in limits {
            invocation.key(format!("{}{}:{}", self.settings.key_prefix, l.subject, l.limit.name()));
            let window_ms = u64::try_from(l.limit.duration().as_millis()).unwrap_or(u64::MAX);
            invocation.arg(l.limit.limit()).arg(window_ms);
        }
        let timeout = self.settings.timeout;
        tokio::time::timeout(timeout, invocation.invoke_async(&mut conn))
            .await
            .map_err(|_| RedisStoreError::TimedOut(timeout))?
            .map_err(RedisStoreError::from)
    }
}

#[async_trait]
impl RateLimitStore for RedisRateLimitStore {
    async fn check(
        &self,
        limits: &[SubjectLimit],
        cost: u64,
        now: DateTime<Utc>,
    ) -> Result<RateLimitCheck, RateLimitStoreError> {
        let reply = self.run(limits, cost).await.map_err(failed)?;
        if reply.len() != 1 + 2 * limits.len() {
            return Err(failed(RedisStoreError::BadReply));
        }
        let exceeded = usize::try_from(reply[0]).ok().filter(|i| *i > 0).map(|i| i - 1);
        let states = limits
            .iter()
            .zip(reply[1..].chunks(2))
            .map(|(l, pair)| {
                let used = u64::try_from(pair[0]).unwrap_or(0);
                let left_ms = pair[1].max(0);
                LimitState {
                    name: l.limit.name().to_owned(),
                    limit: l.limit.limit(),
                    remaining: l.limit.limit().saturating_sub(used),
                    reset_at: now + chrono::Duration::milliseconds(left_ms),
                    window_seconds: l.limit.duration().as_secs(),
                }
            })
            .collect();
        Ok(RateLimitCheck { states, exceeded })
    }
}
