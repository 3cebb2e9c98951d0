//! Verified credentials in memory, so a key that verified recently costs a
//! hash-map lookup instead of a database read and an argon2id verify.

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
#[derive(Clone)]
pub struct VerifiedKeyCache {
    entries: Option<Cache<[u8; 32], Arc<Credential>>>,
    digest_key: [u8; 32],
}

impl VerifiedKeyCache {
    /// `max_entries == 0` disables caching: every check goes to storage.
    pub fn new(max_entries: u64, ttl: Duration, digest_key: [u8; 32]) -> Self {
        let entries = (max_entries > 0).then(|| {
            Cache::builder().max_capacity(max_entries).time_to_live(ttl).support_invalidation_closures().build()
        });
        Self { entries, digest_key }
    }

    fn digest(&self, raw: &str) -> [u8; 32] {
        *blake3::keyed_hash(&self.digest_key, raw.as_bytes()).as_bytes()
    }

    /// The credential `raw` verified against recently, if any.
    pub fn get(&self, raw: &str) -> Option<Arc<Credential>> {
        self.entries.as_ref()?.get(&self.digest(raw))
    }

    /// Remembers that `raw` matched `credential`'s stored hash.
    pub fn insert(&self, raw: &str, credential: Credential) -> Arc<Credential> {
        let credential = Arc::new(credential);
        if let Some(entries) = &self.entries {
            entries.insert(self.digest(raw), credential.clone());
        }
        credential
    }

    /// Forgets every token of the key (current and superseded secrets).
    pub fn invalidate_key(&self, id: ApiKeyId) {
        if let Some(entries) = &self.entries {
            // Fails only without `support_invalidation_closures`, set in `new`.
            let _ = entries.invalidate_entries_if(move |_, c| c.key.id == id);
        }
    }

    /// Forgets every token of every key of the organization.
    pub fn invalidate_organization(&self, id: OrganizationId) {
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
        cache.insert("sk_live_a", credential(active_key()));
        assert!(cache.get("sk_live_a").is_some());
        assert!(cache.get("sk_live_b").is_none());
    }

    #[test]
    fn invalidating_a_key_forgets_its_tokens_only() {
        let cache = cache();
        let a = active_key();
        let a_id = a.id;
        cache.insert("sk_live_a1", credential(a.clone()));
        cache.insert("sk_live_a2", credential(a));
        cache.insert("sk_live_b", credential(active_key()));
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
        cache.insert("sk_live_a", credential(key));
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
    fn a_disabled_cache_remembers_nothing() {
        let cache = VerifiedKeyCache::new(0, Duration::from_secs(60), [1; 32]);
        cache.insert("sk_live_a", credential(active_key()));
        assert!(cache.get("sk_live_a").is_none());
    }
}
