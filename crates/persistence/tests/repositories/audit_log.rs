//! `SeaOrmAuditLog`, reading what the repositories wrote.

use serde_json::json;
use sesame_domain::ports::{ApiKeyRepository, AuditLog};
use sesame_domain::{AuditAction, AuditEvent, AuditEventId, Cursor, Environment, KeyLabel, OrganizationId};
use sesame_persistence::test_support::{Backend, TestDatabase};
use sesame_persistence::{on_both_backends, Database};

use crate::helpers::{
    all_audit_events, api_key, audit, audit_query, create_tenant, hours, insert_key, new_secret, now,
};

on_both_backends!(
    audit_events_of_insert_update_and_rotate_are_listed_newest_first,
    audit_events_are_paginated_without_overlap_or_gaps,
    audit_events_are_confined_to_the_organization,
    audit_events_are_confined_to_the_actors_environment,
);

/// Writes a key's whole life (create, update, rotate) in `organization_id`
/// and returns the events, oldest first.
async fn key_history(db: &Database, organization_id: &OrganizationId) -> Vec<AuditEvent> {
    let repo = db.api_keys();
    let mut key = api_key(organization_id, Environment::Live, "checkout");
    let (_, created) = insert_key(db, &key).await;

    key.label = KeyLabel::parse("checkout v2").expect("label");
    key.updated_at = Some(now());
    let updated = AuditEvent {
        before: json!({ "label": "checkout" }),
        after: json!({ "label": "checkout v2" }),
        ip: None,
        ..audit(organization_id, AuditAction::ApiKeyUpdated, &key.id.to_string())
    };
    repo.update(&key, &updated).await.expect("update");

    key.key_prefix = "sk_live_n3wkey".to_owned();
    let rotated = audit(organization_id, AuditAction::ApiKeyRotated, &key.id.to_string());
    repo.rotate(&key, &new_secret(), now() + hours(1), &rotated).await.expect("rotate");

    vec![created, updated, rotated]
}

async fn audit_events_of_insert_update_and_rotate_are_listed_newest_first(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let mut expected = tenant.events.clone();
    expected.extend(key_history(&db, &tenant.org.id).await);
    expected.reverse();

    let listed = all_audit_events(&db, &tenant.org.id).await;

    let actions: Vec<AuditAction> = listed.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::ApiKeyRotated,
            AuditAction::ApiKeyUpdated,
            AuditAction::ApiKeyCreated,
            AuditAction::ApiKeyCreated,
            AuditAction::OrganizationCreated,
        ]
    );
    assert_eq!(listed, expected, "every event reads back exactly as written");
}

async fn audit_events_are_paginated_without_overlap_or_gaps(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let mut expected = tenant.events.clone();
    expected.extend(key_history(&db, &tenant.org.id).await);
    expected.extend(key_history(&db, &tenant.org.id).await);
    let expected: Vec<AuditEventId> = expected.iter().rev().map(|e| e.id).collect();
    assert_eq!(expected.len(), 8);
    let log = db.audit_log();

    let mut query = audit_query(&tenant.org.id, 3);
    let mut pages = Vec::new();
    loop {
        let page: Vec<AuditEventId> = log.list(&query).await.expect("list").iter().map(|e| e.id).collect();
        assert!(page.len() <= 3, "a page is longer than its limit");
        let Some(last) = page.last() else { break };
        query.after = Some(Cursor::after(last.uuid()));
        pages.push(page);
        assert!(pages.len() <= 10, "pagination never ends: the cursor keeps returning events");
    }

    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 2]);
    assert_eq!(pages.concat(), expected, "the pages together are every event, once, newest first");
}

async fn audit_events_are_confined_to_the_organization(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let acme = create_tenant(&db, "Acme").await;
    let globex = create_tenant(&db, "Globex").await;
    let mut acme_expected = acme.events.clone();
    acme_expected.extend(key_history(&db, &acme.org.id).await);
    let mut globex_expected = globex.events.clone();
    globex_expected.extend(key_history(&db, &globex.org.id).await);
    // Interleave the two organizations' writes.
    acme_expected.extend(key_history(&db, &acme.org.id).await);
    acme_expected.reverse();
    globex_expected.reverse();

    assert_eq!(all_audit_events(&db, &acme.org.id).await, acme_expected);
    assert_eq!(all_audit_events(&db, &globex.org.id).await, globex_expected);
    assert!(all_audit_events(&db, &OrganizationId::generate()).await.is_empty());

    // A cursor taken from one organization's page does not leak the other's.
    let mut query = audit_query(&globex.org.id, 100);
    query.after = Some(Cursor::after(acme_expected[0].id.uuid()));
    let after_cursor = db.audit_log().list(&query).await.expect("list");
    assert!(after_cursor.iter().all(|e| e.organization_id == globex.org.id));
    assert_eq!(after_cursor, globex_expected);
}

async fn audit_events_are_confined_to_the_actors_environment(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let acme = create_tenant(&db, "Acme").await;
    let key = api_key(&acme.org.id, Environment::Test, "sandbox");
    let by_test_key = AuditEvent {
        environment: Environment::Test,
        ..audit(&acme.org.id, AuditAction::ApiKeyCreated, &key.id.to_string())
    };
    db.api_keys().insert(&key, &new_secret(), &by_test_key).await.expect("insert");

    let mut query = audit_query(&acme.org.id, 100);
    query.environment = Environment::Test;
    assert_eq!(db.audit_log().list(&query).await.expect("list"), vec![by_test_key.clone()]);
    let live = all_audit_events(&db, &acme.org.id).await;
    assert!(!live.is_empty());
    assert!(live.iter().all(|e| e.environment == Environment::Live && e.id != by_test_key.id));
}
