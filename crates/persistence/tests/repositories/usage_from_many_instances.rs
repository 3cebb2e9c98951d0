//! Usage flushed by several instances: counts add up, and the latest use
//! stays the latest whatever order the flushes land in.

use sesame_domain::ports::ApiKeyRepository;
use sesame_domain::{Environment, UsageMetrics};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::helpers::{api_key, create_tenant, hours, insert_key, now, usage};

on_both_backends!(an_older_flush_landing_after_a_newer_one_adds_its_count_but_keeps_the_newer_last_use);

async fn an_older_flush_landing_after_a_newer_one_adds_its_count_but_keeps_the_newer_last_use(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let repo = db.api_keys();
    let (newer, older) = (now(), now() - hours(1));

    // Instance B's flush (the newer use) commits first...
    repo.record_usage(&[usage(key.id, 2, newer, Some("2001:db8::2"), Some("instance-b"))])
        .await
        .expect("the newer flush");
    // ...then instance A's, which counted earlier uses.
    repo.record_usage(&[usage(key.id, 5, older, Some("198.51.100.1"), Some("instance-a"))])
        .await
        .expect("the older flush");

    let stored = repo.get(&tenant.org.id, &key.id).await.expect("get").expect("the key exists");
    assert_eq!(
        stored.usage,
        UsageMetrics {
            total_requests: 7,
            last_used_at: Some(newer),
            last_used_ip: Some("2001:db8::2".to_owned()),
            last_used_user_agent: Some("instance-b".to_owned()),
        },
        "the count adds up; the last use, its IP and its user agent are the newer flush's"
    );
}
