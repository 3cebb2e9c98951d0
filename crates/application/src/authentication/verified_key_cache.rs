//! Verified credentials in memory, so a key that verified recently costs a
//! hash-map lookup instead of a database read and an argon2id verify.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use metrics::{counter, Counter};
use moka::sync::Cache;
use sesame_domain::ports::{Invalidation, InvalidationPublisher, InvalidationSubscriber};
use sesame_domain::{ApiKeyId, Credential, OrganizationId};

use crate::gateway::IdentityHeaders;

/// Bounded in size and age. Entries are keyed by a keyed BLAKE3 digest of
/// the presented token, with a key drawn at start-up: the plaintext is never
/// stored, and a memory dump does not give an offline oracle.
///
/// Changes made through this process (update, rotate, revoke, organization
/// deactivation) invalidate the affected entries at once. With peers
/// ([`VerifiedKeyCache::with_peers`]) each is also published to the other
/// instances, whose listeners drop the same entries; without, other
/// processes of a scaled-out installation see them within `ttl`.
///
/// An entry computed from data read before an invalidation is never served
/// after it: every invalidation, local or received, bumps a generation, a
/// reader notes the generation before it reads storage
/// ([`VerifiedKeyCache::generation`]), and [`VerifiedKeyCache::insert`]
/// drops what it stored if the generation moved meanwhile.
#[derive(Clone)]
pub struct VerifiedKeyCache {
    entries: Option<Cache<[u8; 32], Entry>>,
    digest_key: [u8; 32],
    generation: Arc<AtomicU64>,
    peers: Option<Arc<Peers>>,
    /// Registered once: counting a lookup is one atomic add.
    hits: Counter,
    misses: Counter,
}

/// Lookups answered from the cache, and lookups that went to storage.
pub const CACHE_HITS: &str = "sesame_cache_hits_total";
pub const CACHE_MISSES: &str = "sesame_cache_misses_total";

#[derive(Clone)]
struct Entry {
    credential: Arc<VerifiedCredential>,
    stored_at: Instant,
}

/// A credential a presented token matched, as the cache keeps it: with what
/// answers derive from its key alone, computed on first use and dropped
/// with it (a changed key is a new credential, so it is never stale).
#[derive(Debug)]
pub struct VerifiedCredential {
    credential: Credential,
    identity: OnceLock<IdentityHeaders>,
}

impl VerifiedCredential {
    pub fn new(credential: Credential) -> Self {
        Self { credential, identity: OnceLock::new() }
    }

    /// The gateway's identity headers for the key.
    pub fn identity(&self) -> &IdentityHeaders {
        self.identity.get_or_init(|| IdentityHeaders::of(&self.credential.key))
    }
}

impl std::ops::Deref for VerifiedCredential {
    type Target = Credential;

    fn deref(&self) -> &Credential {
        &self.credential
    }
}

/// The other instances: where to tell them about changes, and whether
/// their changes reach this one.
struct Peers {
    publisher: Arc<dyn InvalidationPublisher>,
    /// False until the listener first connects, and while it is
    /// disconnected: then changes made elsewhere may be missed.
    listening: AtomicBool,
    /// While not listening, an entry older than this is not served.
    degraded_max_age: Duration,
}

/// How many invalidations had begun when a reader looked at storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl VerifiedKeyCache {
    /// `max_entries == 0` disables caching: every check goes to storage.
    pub fn new(max_entries: u64, ttl: Duration, digest_key: [u8; 32]) -> Self {
        let entries = (max_entries > 0).then(|| {
            Cache::builder().max_capacity(max_entries).time_to_live(ttl).support_invalidation_closures().build()
        });
        Self {
            entries,
            digest_key,
            generation: Arc::new(AtomicU64::new(0)),
            peers: None,
            hits: counter!(CACHE_HITS),
            misses: counter!(CACHE_MISSES),
        }
    }

    /// Shares invalidations with other instances: each local one is
    /// published, and this cache (as an [`InvalidationSubscriber`]) applies
    /// theirs. Until the listener reports [`InvalidationSubscriber::connected`],
    /// and whenever it is disconnected, entries older than `degraded_max_age`
    /// are not served.
    #[must_use]
    pub fn with_peers(mut self, publisher: Arc<dyn InvalidationPublisher>, degraded_max_age: Duration) -> Self {
        self.peers = Some(Arc::new(Peers { publisher, listening: AtomicBool::new(false), degraded_max_age }));
        self
    }

    /// Note this before reading what [`VerifiedKeyCache::insert`] will store.
    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::SeqCst))
    }

    /// Every invalidation bumps the generation before it drops entries, so
    /// an insert racing it either sees the bump or is dropped by it.
    fn begin_invalidation(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn digest(&self, raw: &str) -> [u8; 32] {
        *blake3::keyed_hash(&self.digest_key, raw.as_bytes()).as_bytes()
    }

    /// The credential `raw` verified against recently, if any.
    pub fn get(&self, raw: &str) -> Option<Arc<VerifiedCredential>> {
        let entries = self.entries.as_ref()?;
        let digest = self.digest(raw);
        let Some(entry) = entries.get(&digest) else {
            self.misses.increment(1);
            return None;
        };
        // One atomic load on the hot path; the clock is read only when degraded.
        if let Some(peers) = &self.peers {
            if !peers.listening.load(Ordering::Acquire) && entry.stored_at.elapsed() > peers.degraded_max_age {
                entries.invalidate(&digest);
                self.misses.increment(1);
                return None;
            }
        }
        self.hits.increment(1);
        Some(entry.credential)
    }

    /// Remembers that `raw` matched `credential`'s stored hash, as read from
    /// storage at generation `read_at`. If an invalidation began since, it
    /// may have run before this insert and missed it, and the credential may
    /// predate it: the entry is dropped again (the caller still gets it, as
    /// its own request's answer).
    pub fn insert(&self, raw: &str, credential: Credential, read_at: Generation) -> Arc<VerifiedCredential> {
        let credential = Arc::new(VerifiedCredential::new(credential));
        if let Some(entries) = &self.entries {
            let digest = self.digest(raw);
            entries.insert(digest, Entry { credential: credential.clone(), stored_at: Instant::now() });
            if self.generation() != read_at {
                entries.invalidate(&digest);
            }
        }
        credential
    }

    /// Forgets every token of the key (current and superseded secrets), here
    /// and on the peers.
    pub fn invalidate_key(&self, id: ApiKeyId) {
        self.invalidate(Invalidation::Key(id));
    }

    /// Forgets every token of every key of the organization, here and on
    /// the peers.
    pub fn invalidate_organization(&self, id: OrganizationId) {
        self.invalidate(Invalidation::Organization(id));
    }

    fn invalidate(&self, invalidation: Invalidation) {
        self.forget(invalidation);
        if let Some(peers) = &self.peers {
            peers.publisher.publish(invalidation);
        }
    }

    /// Drops the entries `invalidation` names, in this process only.
    fn forget(&self, invalidation: Invalidation) {
        self.begin_invalidation();
        if let Some(entries) = &self.entries {
            // Fails only without `support_invalidation_closures`, set in `new`.
            let _ = match invalidation {
                Invalidation::Key(id) => entries.invalidate_entries_if(move |_, e| e.credential.key.id == id),
                Invalidation::Organization(id) => {
                    entries.invalidate_entries_if(move |_, e| e.credential.key.organization_id == id)
                }
            };
        }
    }

    /// Drops every entry, in this process only.
    fn forget_all(&self) {
        self.begin_invalidation();
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    /// Whether changes made by peers reach this cache now (always, without peers).
    pub fn is_listening(&self) -> bool {
        self.peers.as_ref().is_none_or(|p| p.listening.load(Ordering::Acquire))
    }

    /// Entries held now (approximate; for metrics and benchmarks).
    pub fn len(&self) -> u64 {
        self.entries.as_ref().map_or(0, |e| {
            e.run_pending_tasks();
            e.entry_count()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The listener's side: a peer's invalidations are applied like local ones
/// (generation first, so an in-flight read that began earlier is never
/// cached) but not published again.
impl InvalidationSubscriber for VerifiedKeyCache {
    fn received(&self, invalidation: Invalidation) {
        self.forget(invalidation);
    }

    fn connected(&self) {
        // Anything cached so far may predate a message sent while nobody
        // listened: start again from storage.
        self.forget_all();
        if let Some(peers) = &self.peers {
            if !peers.listening.swap(true, Ordering::AcqRel) {
                tracing::info!(
                    "cache invalidations from other instances are received; the verified-key cache was cleared"
                );
            }
        }
    }

    fn disconnected(&self) {
        if let Some(peers) = &self.peers {
            if peers.listening.swap(false, Ordering::AcqRel) {
                tracing::warn!(
                    degraded_max_age_ms = u64::try_from(peers.degraded_max_age.as_millis()).unwrap_or(u64::MAX),
                    "degraded: cache invalidations from other instances are not received; \
                     cached keys are served only while younger than the degraded age"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{active_key, credential};

    fn cache() -> VerifiedKeyCache {
        VerifiedKeyCache::new(100, Duration::from_secs(60), [1; 32])
    }

    #[test]
    fn a_remembered_token_is_found_and_another_is_not() {
        let cache = cache();
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        assert!(cache.get("sk_live_a").is_some());
        assert!(cache.get("sk_live_b").is_none());
    }

    #[test]
    fn invalidating_a_key_forgets_its_tokens_only() {
        let cache = cache();
        let a = active_key();
        let a_id = a.id;
        cache.insert("sk_live_a1", credential(a.clone()), cache.generation());
        cache.insert("sk_live_a2", credential(a), cache.generation());
        cache.insert("sk_live_b", credential(active_key()), cache.generation());
        cache.invalidate_key(a_id);
        assert!(cache.get("sk_live_a1").is_none());
        assert!(cache.get("sk_live_a2").is_none());
        assert!(cache.get("sk_live_b").is_some());
    }

    #[test]
    fn invalidating_an_organization_forgets_all_its_keys() {
        let cache = cache();
        let key = active_key();
        let org = key.organization_id;
        cache.insert("sk_live_a", credential(key), cache.generation());
        cache.invalidate_organization(org);
        assert!(cache.get("sk_live_a").is_none());
    }

    #[test]
    fn the_digest_depends_on_the_process_key() {
        let a = VerifiedKeyCache::new(1, Duration::from_secs(1), [1; 32]);
        let b = VerifiedKeyCache::new(1, Duration::from_secs(1), [2; 32]);
        assert_ne!(a.digest("sk_live_x"), b.digest("sk_live_x"));
    }

    #[test]
    fn an_entry_read_before_an_invalidation_is_not_kept() {
        let cache = cache();
        let key = active_key();
        let read_at = cache.generation();
        cache.invalidate_key(key.id);
        cache.insert("sk_live_a", credential(key), read_at);
        assert!(cache.get("sk_live_a").is_none());
    }

    #[test]
    fn an_invalidation_of_another_key_also_drops_an_entry_read_before_it() {
        // The generation is global: conservative (a cache miss), never stale.
        let cache = cache();
        let read_at = cache.generation();
        cache.invalidate_key(active_key().id);
        cache.insert("sk_live_a", credential(active_key()), read_at);
        assert!(cache.get("sk_live_a").is_none());
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        assert!(cache.get("sk_live_a").is_some());
    }

    #[test]
    fn a_disabled_cache_remembers_nothing() {
        let cache = VerifiedKeyCache::new(0, Duration::from_secs(60), [1; 32]);
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        assert!(cache.get("sk_live_a").is_none());
    }

    fn publisher_expecting(times: usize) -> Arc<dyn InvalidationPublisher> {
        let mut publisher = sesame_domain::ports::MockInvalidationPublisher::new();
        publisher.expect_publish().times(times).return_const(());
        Arc::new(publisher)
    }

    fn listening_cache(publisher: Arc<dyn InvalidationPublisher>, degraded_max_age: Duration) -> VerifiedKeyCache {
        let cache = cache().with_peers(publisher, degraded_max_age);
        cache.connected();
        cache
    }

    #[test]
    fn a_local_invalidation_is_published_to_the_peers() {
        let mut publisher = sesame_domain::ports::MockInvalidationPublisher::new();
        let key = active_key();
        let (id, org) = (key.id, key.organization_id);
        publisher.expect_publish().withf(move |i| *i == Invalidation::Key(id)).times(1).return_const(());
        publisher.expect_publish().withf(move |i| *i == Invalidation::Organization(org)).times(1).return_const(());
        let cache = listening_cache(Arc::new(publisher), Duration::from_secs(1));
        cache.invalidate_key(id);
        cache.invalidate_organization(org);
    }

    #[test]
    fn a_received_invalidation_is_applied_and_not_published_again() {
        let cache = listening_cache(publisher_expecting(0), Duration::from_secs(1));
        let key = active_key();
        let id = key.id;
        cache.insert("sk_live_a", credential(key), cache.generation());
        cache.received(Invalidation::Key(id));
        assert!(cache.get("sk_live_a").is_none());
    }

    #[test]
    fn an_entry_read_before_a_received_invalidation_is_not_kept() {
        let cache = listening_cache(publisher_expecting(0), Duration::from_secs(1));
        let key = active_key();
        let read_at = cache.generation();
        cache.received(Invalidation::Organization(key.organization_id));
        cache.insert("sk_live_a", credential(key), read_at);
        assert!(cache.get("sk_live_a").is_none());
    }

    #[test]
    fn a_reconnect_forgets_everything_cached_before_and_in_flight() {
        let cache = listening_cache(publisher_expecting(0), Duration::from_secs(60));
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        let read_at = cache.generation();
        cache.disconnected();
        cache.connected();
        assert!(cache.get("sk_live_a").is_none(), "cached before the reconnect");
        cache.insert("sk_live_b", credential(active_key()), read_at);
        assert!(cache.get("sk_live_b").is_none(), "read before the reconnect");
        assert!(cache.is_listening());
    }

    #[test]
    fn while_disconnected_only_entries_younger_than_the_degraded_age_are_served() {
        let cache = listening_cache(publisher_expecting(0), Duration::from_millis(50));
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        cache.disconnected();
        assert!(!cache.is_listening());
        assert!(cache.get("sk_live_a").is_some(), "young enough");
        std::thread::sleep(Duration::from_millis(80));
        assert!(cache.get("sk_live_a").is_none(), "older than the degraded age");
    }

    #[test]
    fn while_listening_an_entry_is_served_past_the_degraded_age() {
        let cache = listening_cache(publisher_expecting(0), Duration::from_millis(10));
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("sk_live_a").is_some());
    }

    #[test]
    fn before_the_first_connect_the_cache_is_degraded() {
        let cache = cache().with_peers(publisher_expecting(0), Duration::from_millis(10));
        assert!(!cache.is_listening());
        cache.insert("sk_live_a", credential(active_key()), cache.generation());
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get("sk_live_a").is_none());
    }
}
