//! `SeaOrmApiKeyRepository`.

use chrono::TimeDelta;
use sesame_domain::ports::{ApiKeyRepository, RepositoryError, StatusFilter};
use sesame_domain::{
    ApiKey, ApiKeyId, ApiKeyStatus, AuditAction, Cursor, Environment, ExpiresAt, IpAllowList, KeyDescription, KeyLabel,
    LookupId, Metadata, OrganizationId, OrganizationStatus, ScopeSet, SecretHash, UsageMetrics, UsageRecord,
};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::helpers::{
    all_audit_events, api_key, audit, create_tenant, hours, ids, insert_key, key_query, list_all_keys,
    list_with_status, new_secret, now, page_limit, usage,
};

on_both_backends!(
    insert_then_find_credential_by_lookup_id,
    an_unknown_lookup_id_finds_no_credential,
    get_is_confined_to_the_organization,
    list_returns_the_newest_key_first,
    list_is_keyset_paginated_without_overlap_or_gaps,
    list_is_confined_to_one_environment_and_one_organization,
    list_filters_by_status_with_revocation_winning_over_expiry,
    update_writes_the_mutable_fields_but_never_the_usage_counters,
    of_concurrent_revocations_exactly_one_changes_the_key_and_is_audited,
    of_replayed_leak_reports_exactly_one_marks_the_key_and_is_audited,
    a_leak_of_a_revoked_key_keeps_its_revocation_time,
    after_rotation_the_new_lookup_id_finds_the_key_without_expiry,
    after_rotation_the_old_lookup_id_works_until_the_grace_end,
    a_later_rotation_does_not_extend_an_old_secrets_expiry,
    an_earlier_rotation_grace_end_shortens_every_older_secret,
    record_usage_adds_up_batches_and_keeps_the_latest_use,
    record_usage_of_an_empty_batch_changes_nothing,
    record_usage_of_a_batch_of_thousands_updates_every_key_and_ignores_unknown_ones,
    inserting_a_duplicate_lookup_id_conflicts_and_writes_nothing_of_the_key,
    inserting_a_duplicate_key_id_conflicts,
    replace_hash_swaps_the_stored_hash_and_nothing_else,
    replace_hash_changes_nothing_when_the_stored_hash_is_no_longer_the_old_one,
    of_concurrent_replacements_of_one_hash_exactly_one_wins,
    replace_hash_of_a_superseded_secret_keeps_its_grace_end,
    replace_hash_can_move_a_secret_to_another_lookup_id,
    find_credential_at_any_finds_a_secret_at_either_lookup_id_in_one_read,
    insert_imported_stores_the_good_keys_and_skips_taken_lookup_ids,
);

async fn insert_then_find_credential_by_lookup_id(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (secret, _) = insert_key(&db, &key).await;

    let credential = db
        .api_keys()
        .find_credential(&secret.lookup)
        .await
        .expect("find the credential")
        .expect("the lookup id names the stored secret");

    assert_eq!(credential.key, key, "the key reads back exactly as stored");
    assert_eq!(credential.secret_hash, secret.hash);
    assert_eq!(credential.secret_hash.as_str(), secret.hash.as_str());
    assert_eq!(credential.secret_expires_at, None, "a current secret never expires on its own");
    assert_eq!(credential.organization_status, OrganizationStatus::Active);
}

async fn an_unknown_lookup_id_finds_no_credential(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let repo = db.api_keys();

    let unknown = LookupId::from_bytes([0xab; 16]);
    assert!(repo.find_credential(&unknown).await.expect("look up").is_none());
    // The tenant's own secret is still found: the store is not simply empty.
    assert!(repo.find_credential(&tenant.first_secret.lookup).await.expect("look up").is_some());
}

async fn get_is_confined_to_the_organization(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let acme = create_tenant(&db, "Acme").await;
    let globex = create_tenant(&db, "Globex").await;
    let key = api_key(&acme.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let repo = db.api_keys();

    assert_eq!(repo.get(&acme.org.id, &key.id).await.expect("get"), Some(key.clone()));
    assert_eq!(repo.get(&globex.org.id, &key.id).await.expect("get"), None, "another organization's key");
    assert_eq!(repo.get(&OrganizationId::generate(), &key.id).await.expect("get"), None, "an unknown organization");
    assert_eq!(repo.get(&acme.org.id, &ApiKeyId::generate()).await.expect("get"), None, "an unknown key");
}

async fn list_returns_the_newest_key_first(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let mut expected = vec![tenant.first_key.clone()];
    for i in 0..4 {
        let key = api_key(&tenant.org.id, Environment::Live, &format!("key {i}"));
        insert_key(&db, &key).await;
        expected.push(key);
    }
    expected.reverse();

    let listed = db.api_keys().list(&key_query(&tenant.org.id, Environment::Live)).await.expect("list");

    assert_eq!(ids(&listed), ids(&expected), "newest first");
    assert_eq!(listed, expected, "every key reads back exactly as stored");
}

async fn list_is_keyset_paginated_without_overlap_or_gaps(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let mut expected = vec![tenant.first_key.id];
    for i in 0..6 {
        let key = api_key(&tenant.org.id, Environment::Live, &format!("key {i}"));
        insert_key(&db, &key).await;
        expected.push(key.id);
    }
    expected.reverse();
    let repo = db.api_keys();

    let mut query = key_query(&tenant.org.id, Environment::Live);
    query.limit = page_limit(3);
    let first = repo.list(&query).await.expect("page 1");
    assert_eq!(ids(&first), expected[0..3]);

    query.after = Some(Cursor::after(first[2].id.uuid()));
    let second = repo.list(&query).await.expect("page 2");
    assert_eq!(ids(&second), expected[3..6]);

    query.after = Some(Cursor::after(second[2].id.uuid()));
    let third = repo.list(&query).await.expect("page 3");
    assert_eq!(ids(&third), expected[6..7]);

    query.after = Some(Cursor::after(third[0].id.uuid()));
    assert!(repo.list(&query).await.expect("past the end").is_empty());

    // Whatever the page size, the pages together are the whole list, once.
    for size in [1, 2, 4, 7, 100] {
        let mut query = key_query(&tenant.org.id, Environment::Live);
        query.limit = page_limit(size);
        let (all, pages) = list_all_keys(&db, &query).await;
        assert_eq!(ids(&all), expected, "page size {size}");
        assert_eq!(pages, expected.len().div_ceil(size as usize), "page size {size}");
    }
}

async fn list_is_confined_to_one_environment_and_one_organization(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let acme = create_tenant(&db, "Acme").await;
    let globex = create_tenant(&db, "Globex").await;
    let mut live = vec![acme.first_key.id];
    let mut test = vec![];
    for i in 0..2 {
        let key = api_key(&acme.org.id, Environment::Test, &format!("test {i}"));
        insert_key(&db, &key).await;
        test.push(key.id);
        let key = api_key(&acme.org.id, Environment::Live, &format!("live {i}"));
        insert_key(&db, &key).await;
        live.push(key.id);
    }
    insert_key(&db, &api_key(&globex.org.id, Environment::Test, "globex test")).await;
    live.reverse();
    test.reverse();
    let repo = db.api_keys();

    let listed_live = repo.list(&key_query(&acme.org.id, Environment::Live)).await.expect("list live");
    let listed_test = repo.list(&key_query(&acme.org.id, Environment::Test)).await.expect("list test");

    assert_eq!(ids(&listed_live), live);
    assert_eq!(ids(&listed_test), test);
    assert!(listed_test.iter().all(|k| k.environment == Environment::Test));
    assert!(listed_live.iter().chain(&listed_test).all(|k| k.organization_id == acme.org.id));
}

async fn list_filters_by_status_with_revocation_winning_over_expiry(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let org = tenant.org.id;
    let repo = db.api_keys();
    let past = now() - hours(24);

    let active = api_key(&org, Environment::Live, "active");
    insert_key(&db, &active).await;

    let mut expiring_later = api_key(&org, Environment::Live, "expiring later");
    expiring_later.expires_at = Some(ExpiresAt::from_stored(now() + hours(24 * 30)));
    insert_key(&db, &expiring_later).await;

    let mut expired = api_key(&org, Environment::Live, "expired");
    expired.expires_at = Some(ExpiresAt::from_stored(past));
    insert_key(&db, &expired).await;

    let mut revoked = api_key(&org, Environment::Live, "revoked");
    insert_key(&db, &revoked).await;
    revoked.revoked_at = Some(now());
    revoked.updated_at = revoked.revoked_at;
    repo.update(&revoked, &audit(&org, AuditAction::ApiKeyRevoked, &revoked.id.to_string())).await.expect("revoke");

    let mut revoked_and_expired = api_key(&org, Environment::Live, "revoked and expired");
    revoked_and_expired.expires_at = Some(ExpiresAt::from_stored(past));
    insert_key(&db, &revoked_and_expired).await;
    revoked_and_expired.revoked_at = Some(now());
    repo.update(&revoked_and_expired, &audit(&org, AuditAction::ApiKeyRevoked, &revoked_and_expired.id.to_string()))
        .await
        .expect("revoke");

    assert_eq!(
        list_with_status(&db, &org, StatusFilter::Active).await,
        vec![expiring_later.id, active.id, tenant.first_key.id]
    );
    assert_eq!(list_with_status(&db, &org, StatusFilter::Expired).await, vec![expired.id]);
    assert_eq!(list_with_status(&db, &org, StatusFilter::Revoked).await, vec![revoked_and_expired.id, revoked.id]);

    let everything = repo.list(&key_query(&org, Environment::Live)).await.expect("list without a filter");
    assert_eq!(everything.len(), 6);
    let at = now();
    for (status, filter) in [
        (ApiKeyStatus::Active, StatusFilter::Active),
        (ApiKeyStatus::Expired, StatusFilter::Expired),
        (ApiKeyStatus::Revoked, StatusFilter::Revoked),
    ] {
        let by_domain_rule: Vec<ApiKeyId> =
            everything.iter().filter(|k| k.status(at) == status).map(|k| k.id).collect();
        assert_eq!(list_with_status(&db, &org, filter).await, by_domain_rule, "{filter:?} agrees with ApiKey::status");
    }
}

async fn update_writes_the_mutable_fields_but_never_the_usage_counters(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let repo = db.api_keys();
    let stale = key.clone();

    let used_at = now();
    repo.record_usage(&[usage(key.id, 5, used_at, Some("198.51.100.4"), Some("curl/8.5.0"))])
        .await
        .expect("record usage");

    let mut changed = stale.clone();
    changed.label = KeyLabel::parse("checkout (renamed)").expect("label");
    changed.description = KeyDescription::parse("now with a description").expect("description");
    changed.scopes = ScopeSet::parse(["payments.read", "products.read", "products.update"]).expect("scopes");
    changed.ip_allow_list = IpAllowList::parse(["::1"]).expect("ip allow list");
    changed.metadata = Metadata::parse(serde_json::json!({ "team": "payments" })).expect("metadata");
    changed.expires_at = Some(ExpiresAt::from_stored(now() + hours(48)));
    changed.updated_at = Some(now());
    changed.revoked_at = Some(now());
    assert_eq!(changed.usage, UsageMetrics::default(), "the copy is stale: it knows nothing of the usage");
    repo.update(&changed, &audit(&tenant.org.id, AuditAction::ApiKeyUpdated, &key.id.to_string()))
        .await
        .expect("update");

    let stored = repo.get(&tenant.org.id, &key.id).await.expect("get").expect("the key exists");
    assert_eq!(stored.label.as_str(), "checkout (renamed)");
    assert_eq!(stored.scopes.names(), vec!["payments.read", "products.read", "products.update"]);
    assert_eq!(stored.revoked_at, changed.revoked_at);
    assert_eq!(
        stored.usage,
        UsageMetrics {
            total_requests: 5,
            last_used_at: Some(used_at),
            last_used_ip: Some("198.51.100.4".to_owned()),
            last_used_user_agent: Some("curl/8.5.0".to_owned()),
        },
        "the usage recorded meanwhile survives the update"
    );
    assert_eq!(stored, ApiKey { usage: stored.usage.clone(), ..changed }, "every other field is the updated copy's");
}

async fn of_concurrent_revocations_exactly_one_changes_the_key_and_is_audited(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let events_before = all_audit_events(&db, &tenant.org.id).await.len();

    let revocations = (0..8).map(|_| {
        let revoked = ApiKey { revoked_at: Some(now()), updated_at: Some(now()), ..key.clone() };
        let event = audit(&tenant.org.id, AuditAction::ApiKeyRevoked, &key.id.to_string());
        let repo = db.api_keys();
        async move { repo.revoke(&revoked, &event).await.expect("revoke") }
    });
    let won: Vec<bool> = futures_join_all(revocations).await;

    assert_eq!(won.iter().filter(|w| **w).count(), 1, "exactly one revocation changes the row: {won:?}");
    let events = all_audit_events(&db, &tenant.org.id).await;
    assert_eq!(events.len(), events_before + 1, "exactly one event is written");
    let stored = db.api_keys().get(&tenant.org.id, &key.id).await.expect("get").expect("the key");
    assert_eq!(stored.revoked_at, Some(now()));
}

async fn of_replayed_leak_reports_exactly_one_marks_the_key_and_is_audited(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let events_before = all_audit_events(&db, &tenant.org.id).await.len();

    let reports = (0..8).map(|_| {
        let leaked = ApiKey { leaked_at: Some(now()), revoked_at: Some(now()), updated_at: Some(now()), ..key.clone() };
        let event = audit(&tenant.org.id, AuditAction::ApiKeyLeaked, &key.id.to_string());
        let repo = db.api_keys();
        async move { repo.mark_leaked(&leaked, &event).await.expect("mark leaked") }
    });
    let won: Vec<bool> = futures_join_all(reports).await;

    assert_eq!(won.iter().filter(|w| **w).count(), 1, "exactly one report changes the row: {won:?}");
    let events = all_audit_events(&db, &tenant.org.id).await;
    assert_eq!(events.len(), events_before + 1, "exactly one event is written");
    let stored = db.api_keys().get(&tenant.org.id, &key.id).await.expect("get").expect("the key");
    assert_eq!((stored.leaked_at, stored.revoked_at), (Some(now()), Some(now())));
}

async fn a_leak_of_a_revoked_key_keeps_its_revocation_time(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let repo = db.api_keys();
    let earlier = now() - hours(1);
    let revoked = ApiKey { revoked_at: Some(earlier), updated_at: Some(earlier), ..key.clone() };
    assert!(repo
        .revoke(&revoked, &audit(&tenant.org.id, AuditAction::ApiKeyRevoked, &key.id.to_string()))
        .await
        .unwrap());

    // A flag (no revocation) of a live copy read before the revocation.
    let flagged = ApiKey { leaked_at: Some(now()), updated_at: Some(now()), ..key.clone() };
    let event = audit(&tenant.org.id, AuditAction::ApiKeyLeaked, &key.id.to_string());
    assert!(repo.mark_leaked(&flagged, &event).await.unwrap());
    let stored = repo.get(&tenant.org.id, &key.id).await.unwrap().unwrap();
    assert_eq!((stored.leaked_at, stored.revoked_at), (Some(now()), Some(earlier)), "the first revocation stands");

    // An update with a copy read before the report does not clear the leak.
    let stale = ApiKey { revoked_at: Some(earlier), ..key.clone() };
    repo.update(&stale, &audit(&tenant.org.id, AuditAction::ApiKeyUpdated, &key.id.to_string())).await.unwrap();
    let stored = repo.get(&tenant.org.id, &key.id).await.unwrap().unwrap();
    assert_eq!(stored.leaked_at, Some(now()));
}

/// Runs the futures concurrently on the test's runtime, in order of results.
async fn futures_join_all<T: Send + 'static>(
    futures: impl Iterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let tasks: Vec<_> = futures.map(tokio::spawn).collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("the task"));
    }
    results
}

async fn after_rotation_the_new_lookup_id_finds_the_key_without_expiry(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;
    let repo = db.api_keys();

    let mut rotated = key.clone();
    rotated.key_prefix = "sk_live_r0tat3".to_owned();
    rotated.updated_at = Some(now());
    let new = new_secret();
    repo.rotate(
        &rotated,
        &new,
        now() + hours(1),
        &audit(&tenant.org.id, AuditAction::ApiKeyRotated, &key.id.to_string()),
    )
    .await
    .expect("rotate");

    let credential = repo.find_credential(&new.lookup).await.expect("look up").expect("the new secret is stored");
    assert_eq!(credential.key.id, key.id);
    assert_eq!(credential.secret_hash, new.hash);
    assert_eq!(credential.secret_expires_at, None);
    assert_eq!(credential.key.key_prefix, "sk_live_r0tat3", "the key's prefix follows its current secret");
    assert_eq!(credential.key.updated_at, rotated.updated_at);
    assert_eq!(credential.key, rotated);
}

async fn after_rotation_the_old_lookup_id_works_until_the_grace_end(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (old, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();

    let grace_end = now() + hours(1);
    repo.rotate(
        &key,
        &new_secret(),
        grace_end,
        &audit(&tenant.org.id, AuditAction::ApiKeyRotated, &key.id.to_string()),
    )
    .await
    .expect("rotate");

    let credential = repo.find_credential(&old.lookup).await.expect("look up").expect("the old secret is kept");
    assert_eq!(credential.key.id, key.id);
    assert_eq!(credential.secret_hash, old.hash);
    assert_eq!(credential.secret_expires_at, Some(grace_end));
    assert_eq!(credential.organization_status, OrganizationStatus::Active);

    // Other keys' secrets are untouched.
    let other =
        repo.find_credential(&tenant.first_secret.lookup).await.expect("look up").expect("the first key's secret");
    assert_eq!(other.secret_expires_at, None);
}

async fn a_later_rotation_does_not_extend_an_old_secrets_expiry(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (first, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();
    let rotated_event = || audit(&tenant.org.id, AuditAction::ApiKeyRotated, &key.id.to_string());

    let first_grace_end = now() + hours(1);
    let second = new_secret();
    repo.rotate(&key, &second, first_grace_end, &rotated_event()).await.expect("first rotation");

    let second_grace_end = now() + hours(2);
    let third = new_secret();
    repo.rotate(&key, &third, second_grace_end, &rotated_event()).await.expect("second rotation");

    let expiry = |lookup: LookupId| {
        let repo = repo.clone();
        async move { repo.find_credential(&lookup).await.expect("look up").expect("the secret is stored").secret_expires_at }
    };
    assert_eq!(expiry(first.lookup).await, Some(first_grace_end), "not extended by the second rotation");
    assert_eq!(expiry(second.lookup).await, Some(second_grace_end));
    assert_eq!(expiry(third.lookup).await, None);
}

async fn an_earlier_rotation_grace_end_shortens_every_older_secret(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (first, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();
    let rotated_event = || audit(&tenant.org.id, AuditAction::ApiKeyRotated, &key.id.to_string());

    let second = new_secret();
    repo.rotate(&key, &second, now() + hours(24), &rotated_event()).await.expect("first rotation");
    // A grace end only seconds later than the first's, to exercise the
    // comparison of close instants.
    let soon = now() + TimeDelta::seconds(5);
    repo.rotate(&key, &new_secret(), soon, &rotated_event()).await.expect("second rotation");

    for (name, secret) in [("first", &first), ("second", &second)] {
        let credential = repo.find_credential(&secret.lookup).await.expect("look up").expect("stored");
        assert_eq!(credential.secret_expires_at, Some(soon), "the {name} secret stops at the earlier end");
        assert_eq!(credential.secret_hash, SecretHash::new(secret.hash.as_str().to_owned()));
    }
}

async fn record_usage_adds_up_batches_and_keeps_the_latest_use(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let other = api_key(&tenant.org.id, Environment::Live, "reporting");
    insert_key(&db, &key).await;
    insert_key(&db, &other).await;
    let repo = db.api_keys();

    let first_use = now() - hours(1);
    repo.record_usage(&[
        usage(key.id, 3, first_use, Some("198.51.100.1"), Some("agent/1")),
        usage(other.id, 10, first_use, None, None),
    ])
    .await
    .expect("first batch");

    let second_use = now();
    repo.record_usage(&[usage(key.id, 4, second_use, Some("2001:db8::7"), Some("agent/2"))])
        .await
        .expect("second batch");

    let stored = repo.get(&tenant.org.id, &key.id).await.expect("get").expect("the key exists");
    assert_eq!(
        stored.usage,
        UsageMetrics {
            total_requests: 7,
            last_used_at: Some(second_use),
            last_used_ip: Some("2001:db8::7".to_owned()),
            last_used_user_agent: Some("agent/2".to_owned()),
        }
    );
    let stored_other = repo.get(&tenant.org.id, &other.id).await.expect("get").expect("the key exists");
    assert_eq!(
        stored_other.usage,
        UsageMetrics {
            total_requests: 10,
            last_used_at: Some(first_use),
            last_used_ip: None,
            last_used_user_agent: None,
        },
        "each key counts only its own usage"
    );
    let untouched = repo.get(&tenant.org.id, &tenant.first_key.id).await.expect("get").expect("the key exists");
    assert_eq!(untouched.usage, UsageMetrics::default());
}

async fn record_usage_of_an_empty_batch_changes_nothing(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let repo = db.api_keys();

    repo.record_usage(&[]).await.expect("an empty batch is fine");

    let stored = repo.get(&tenant.org.id, &tenant.first_key.id).await.expect("get").expect("the key exists");
    assert_eq!(stored, tenant.first_key);
}

async fn record_usage_of_a_batch_of_thousands_updates_every_key_and_ignores_unknown_ones(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let repo = db.api_keys();
    let mut keys = vec![tenant.first_key.clone()];
    for i in 0..3 {
        let key = api_key(&tenant.org.id, Environment::Live, &format!("key {i}"));
        insert_key(&db, &key).await;
        keys.push(key);
    }

    // A batch far larger than any single statement should carry (bound
    // parameters are limited), mostly of ids that match no stored key (a key
    // deleted since it was used); the stored keys sit at the start, in the
    // middle and at the very end.
    let used_at = now();
    let mut batch: Vec<UsageRecord> = (0..2_500u64)
        .map(|i| usage(ApiKeyId::generate(), i + 1, used_at, Some("198.51.100.9"), Some("bulk/1")))
        .collect();
    for (position, key) in [0, 499, 1_250, 2_499].into_iter().zip(&keys) {
        batch[position].key_id = key.id;
    }
    repo.record_usage(&batch).await.expect("record a large batch");

    for (position, key) in [0usize, 499, 1_250, 2_499].into_iter().zip(&keys) {
        let stored = repo.get(&tenant.org.id, &key.id).await.expect("get").expect("the key exists");
        assert_eq!(
            stored.usage,
            UsageMetrics {
                total_requests: position as u64 + 1,
                last_used_at: Some(used_at),
                last_used_ip: Some("198.51.100.9".to_owned()),
                last_used_user_agent: Some("bulk/1".to_owned()),
            },
            "the key at position {position} of the batch"
        );
    }
    assert!(repo.get(&tenant.org.id, &batch[1].key_id).await.expect("get").is_none(), "no key was created");
}

async fn inserting_a_duplicate_lookup_id_conflicts_and_writes_nothing_of_the_key(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let org = tenant.org.id;
    let repo = db.api_keys();
    let first = api_key(&org, Environment::Live, "first");
    let (taken, _) = insert_key(&db, &first).await;

    let second = api_key(&org, Environment::Live, "second");
    let mut clashing = new_secret();
    clashing.lookup = taken.lookup;
    let second_created = audit(&org, AuditAction::ApiKeyCreated, &second.id.to_string());
    let err = repo.insert(&second, &clashing, &second_created).await.expect_err("the lookup id is taken");
    assert!(matches!(err, RepositoryError::Conflict(_)), "expected a conflict, got {err:?}");

    // Nothing of the second key was kept: not the key row ...
    assert_eq!(repo.get(&org, &second.id).await.expect("get"), None);
    assert_eq!(
        ids(&repo.list(&key_query(&org, Environment::Live)).await.expect("list")),
        vec![first.id, tenant.first_key.id]
    );
    // ... nor its audit event ...
    assert!(
        all_audit_events(&db, &org).await.iter().all(|e| e.id != second_created.id),
        "the audit event of a failed insert was kept"
    );
    // ... and the taken lookup id still names the first key's secret.
    let credential = repo.find_credential(&taken.lookup).await.expect("look up").expect("stored");
    assert_eq!(credential.key.id, first.id);
    assert_eq!(credential.secret_hash, taken.hash);

    // Had the key row survived, storing the same key again would conflict on its id.
    let (fresh, _) = insert_key(&db, &second).await;
    let credential = repo.find_credential(&fresh.lookup).await.expect("look up").expect("stored");
    assert_eq!(credential.key, second);
}

async fn inserting_a_duplicate_key_id_conflicts(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let repo = db.api_keys();
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    insert_key(&db, &key).await;

    let fresh = new_secret();
    let err = repo
        .insert(&key, &fresh, &audit(&tenant.org.id, AuditAction::ApiKeyCreated, &key.id.to_string()))
        .await
        .expect_err("the key id is taken");

    assert!(matches!(err, RepositoryError::Conflict(_)), "expected a conflict, got {err:?}");
    assert!(repo.find_credential(&fresh.lookup).await.expect("look up").is_none(), "no secret was kept");
}

fn hmac_hash(n: u8) -> SecretHash {
    SecretHash::new(format!("$hmac-sha256$k=00000000000000{n:02x}$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
}

async fn replace_hash_swaps_the_stored_hash_and_nothing_else(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (secret, _) = insert_key(&db, &key).await;
    let other = api_key(&tenant.org.id, Environment::Live, "other");
    let (other_secret, _) = insert_key(&db, &other).await;
    let events_before = all_audit_events(&db, &tenant.org.id).await.len();
    let repo = db.api_keys();

    let replaced =
        repo.replace_hash(&secret.lookup, &secret.hash, &secret.lookup, &hmac_hash(1)).await.expect("replace");

    assert!(replaced, "the stored hash was the old one");
    let credential = repo.find_credential(&secret.lookup).await.expect("look up").expect("the secret");
    assert_eq!(credential.secret_hash, hmac_hash(1));
    assert_eq!(credential.key, key, "the key is untouched");
    assert_eq!(credential.secret_expires_at, None);
    let untouched = repo.find_credential(&other_secret.lookup).await.expect("look up").expect("the other secret");
    assert_eq!(untouched.secret_hash, other_secret.hash, "another secret keeps its hash");
    assert_eq!(all_audit_events(&db, &tenant.org.id).await.len(), events_before, "a rehash is not audited");
}

async fn replace_hash_changes_nothing_when_the_stored_hash_is_no_longer_the_old_one(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (secret, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();
    assert!(repo.replace_hash(&secret.lookup, &secret.hash, &secret.lookup, &hmac_hash(1)).await.expect("first"));

    // A second rehash that read the hash before the first committed.
    let stale = repo.replace_hash(&secret.lookup, &secret.hash, &secret.lookup, &hmac_hash(2)).await.expect("second");

    assert!(!stale, "the stored hash is no longer the one it read");
    let credential = repo.find_credential(&secret.lookup).await.expect("look up").expect("the secret");
    assert_eq!(credential.secret_hash, hmac_hash(1), "the first replacement stands");
    let unknown = LookupId::from_bytes([0xEE; 16]);
    assert!(!repo.replace_hash(&unknown, &secret.hash, &unknown, &hmac_hash(3)).await.expect("unknown lookup id"));
}

async fn of_concurrent_replacements_of_one_hash_exactly_one_wins(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (secret, _) = insert_key(&db, &key).await;

    let replacements = (0..8u8).map(|n| {
        let (repo, secret) = (db.api_keys(), secret.clone());
        async move {
            (n, repo.replace_hash(&secret.lookup, &secret.hash, &secret.lookup, &hmac_hash(n)).await.expect("replace"))
        }
    });
    let results = futures_join_all(replacements).await;

    let winners: Vec<u8> = results.iter().filter(|(_, won)| *won).map(|(n, _)| *n).collect();
    assert_eq!(winners.len(), 1, "exactly one replacement changes the row: {results:?}");
    let credential = db.api_keys().find_credential(&secret.lookup).await.expect("look up").expect("the secret");
    assert_eq!(credential.secret_hash, hmac_hash(winners[0]), "the stored hash is the winner's");
}

async fn replace_hash_of_a_superseded_secret_keeps_its_grace_end(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "checkout");
    let (old, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();
    let grace_end = now() + hours(1);
    repo.rotate(&key, &new_secret(), grace_end, &audit(&tenant.org.id, AuditAction::ApiKeyRotated, "k"))
        .await
        .expect("rotate");

    assert!(repo.replace_hash(&old.lookup, &old.hash, &old.lookup, &hmac_hash(1)).await.expect("replace"));

    let credential = repo.find_credential(&old.lookup).await.expect("look up").expect("the old secret");
    assert_eq!(credential.secret_hash, hmac_hash(1));
    assert_eq!(credential.secret_expires_at, Some(grace_end), "the rotation's grace end is not undone");
}

async fn replace_hash_can_move_a_secret_to_another_lookup_id(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "imported");
    let (secret, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();
    let moved_to = LookupId::from_bytes([0x5A; 16]);

    assert!(repo.replace_hash(&secret.lookup, &secret.hash, &moved_to, &hmac_hash(1)).await.expect("replace"));

    assert!(repo.find_credential(&secret.lookup).await.expect("look up").is_none(), "nothing left at the old id");
    let credential = repo.find_credential(&moved_to).await.expect("look up").expect("the moved secret");
    assert_eq!(credential.secret_hash, hmac_hash(1));
    assert_eq!(credential.key, key);
}

async fn find_credential_at_any_finds_a_secret_at_either_lookup_id_in_one_read(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "imported");
    let (secret, _) = insert_key(&db, &key).await;
    let repo = db.api_keys();
    let elsewhere = LookupId::from_bytes([0x11; 16]);

    for lookups in [[secret.lookup, elsewhere], [elsewhere, secret.lookup]] {
        let found = repo.find_credential_at_any(&lookups).await.expect("look up").expect("the secret");
        assert_eq!(found.key, key);
        assert_eq!(found.secret_hash, secret.hash);
    }
    let nowhere = [elsewhere, LookupId::from_bytes([0x22; 16])];
    assert!(repo.find_credential_at_any(&nowhere).await.expect("look up").is_none());
}

async fn insert_imported_stores_the_good_keys_and_skips_taken_lookup_ids(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let repo = db.api_keys();
    let earlier = api_key(&tenant.org.id, Environment::Live, "imported before");
    let (taken, _) = insert_key(&db, &earlier).await;
    let row = |label: &str, secret: sesame_domain::NewSecret| {
        let key = api_key(&tenant.org.id, Environment::Live, label);
        let event = audit(&tenant.org.id, AuditAction::ApiKeyImported, &key.id.to_string());
        (key, secret, event)
    };
    let twice = new_secret();
    let batch = vec![
        row("first", new_secret()),
        row("same token as an earlier import", sesame_domain::NewSecret { lookup: taken.lookup, ..new_secret() }),
        row("second", twice.clone()),
        row("same token twice in the batch", twice),
        row("third", new_secret()),
    ];
    let events_before = all_audit_events(&db, &tenant.org.id).await.len();

    let stored = repo.insert_imported(&batch).await.expect("import");

    assert_eq!(stored, [true, false, true, false, true]);
    for ((key, secret, _), stored) in batch.iter().zip(&stored) {
        let found = repo.get(&tenant.org.id, &key.id).await.expect("get");
        assert_eq!(found.is_some(), *stored, "{} is stored exactly when reported so", key.label.as_str());
        if *stored {
            let credential = repo.find_credential(&secret.lookup).await.expect("look up").expect("its secret");
            assert_eq!(credential.key.id, key.id);
        }
    }
    let earlier_credential = repo.find_credential(&taken.lookup).await.expect("look up").expect("kept");
    assert_eq!(earlier_credential.key.id, earlier.id, "the earlier key keeps its lookup id");
    let events = all_audit_events(&db, &tenant.org.id).await;
    assert_eq!(events.len() - events_before, 3, "one event per stored key, none for a skipped one");
}
