//! Verified credentials in memory, so a key that verified recently costs a
//! hash-map lookup instead of a database read and an argon2id verify.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use sesame_domain::{ApiKeyId, Credential, OrganizationId};

/// Bounded in size and age. Entries are keyed by a keyed BLAKE3 digest of
/// the presented token, with a key drawn at start-up: the plaintext is never
/// stored, and a memory dump does not give an offline oracle.
///
/// Changes made through this process (update, rotate, revoke, organization
/// deactivation) invalidate the affected entries at once; other processes
/// of a scaled-out installation see them within `ttl`.
///
/// An entry computed from data read before an invalidation is never served
/// after it: every invalidation bumps a generation, a reader notes the
/// generation before it reads storage ([`VerifiedKeyCache::generation`]),
/// and [`VerifiedKeyCache::insert`] drops what it stored if the generation
/// moved meanwhile.
#[derive(Clone)]
pub struct VerifiedKeyCache {
    entries: Option<Cache<[u8; 32], Arc<Credential>>>,
    digest_key: [u8; 32],
    generation: Arc<AtomicU64>,
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
        Self { entries, digest_key, generation: Arc::new(AtomicU64::new(0)) }
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

    fn digest(&self, raw: &str) -> [u8; 32] {
        *blake3::keyed_hash(&self.digest_key, raw.as_bytes()).as_bytes()
    }

    /// The credential `raw` verified against recently, if any.
    pub fn get(&self, raw: &str) -> Option<Arc<Credential>> {
        self.entries.as_ref()?.get(&self.digest(raw))
    }

    /// Remembers that `raw` matched `credential`'s stored hash, as read from
    /// storage at generation `read_at`. If an invalidation began since, it
    /// may have run before this insert and missed it, and the credential may
    /// predate it: the entry is dropped again (the caller still gets it, as
    /// its own request's answer).
    pub fn insert(&self, raw: &str, credential: Credential, read_at: Generation) -> Arc<Credential> {
        let credential = Arc::new(credential);
        if let Some(entries) = &self.entries {
            let digest = self.digest(raw);
            entries.insert(digest, credential.clone());
            if self.generation() != read_at {
                entries.invalidate(&digest);
            }
        }
        credential
    }

    /// Forgets every token of the key (current and superseded secrets).
    pub fn invalidate_key(&self, id: ApiKeyId) {
        self.begin_invalidation();
        if let Some(entries) = &self.entries {
            // Fails only without `support_invalidation_closures`, set in `new`.
            let _ = entries.invalidate_entries_if(move |_, c| c.key.id == id);
        }
    }

    /// Forgets every token of every key of the organization.
    pub fn invalidate_organization(&self, id: OrganizationId) {
        self.begin_invalidation();
        if let Some(entries) = &self.entries {
            let _ = entries.invalidate_entries_if(move |_, c| c.key.organization_id == id);
        }
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
}
