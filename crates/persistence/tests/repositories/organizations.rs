//! `SeaOrmOrganizationRepository`.

use serde_json::json;
use sesame_domain::ports::{ApiKeyRepository, OrganizationRepository, RepositoryError};
use sesame_domain::{AuditAction, AuditEvent, Environment, OrganizationId, OrganizationName, OrganizationStatus};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::helpers::{all_audit_events, api_key, audit, create_tenant, new_secret, now, organization};

on_both_backends!(
    any_exists_is_false_on_an_empty_database_and_true_after_an_insert,
    insert_with_key_stores_the_organization_its_first_key_and_their_audit_events,
    get_of_an_unknown_organization_is_none,
    a_child_organization_keeps_its_parent,
    descendants_are_every_generation_below_and_update_all_writes_them_together,
    update_writes_the_name_and_deactivation,
    a_deactivated_organization_is_reported_by_find_credential,
    insert_with_key_with_a_taken_lookup_id_conflicts_and_writes_nothing,
);

async fn any_exists_is_false_on_an_empty_database_and_true_after_an_insert(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let repo = db.organizations();
    assert!(!repo.any_exists().await.expect("any_exists"), "a fresh database holds no organization");

    create_tenant(&db, "Acme").await;

    assert!(repo.any_exists().await.expect("any_exists"));
}

async fn insert_with_key_stores_the_organization_its_first_key_and_their_audit_events(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;

    let stored = db.organizations().get(&tenant.org.id).await.expect("get").expect("the organization exists");
    assert_eq!(stored, tenant.org);

    let credential = db
        .api_keys()
        .find_credential(&tenant.first_secret.lookup)
        .await
        .expect("look up")
        .expect("the first key's secret is stored");
    assert_eq!(credential.key, tenant.first_key);
    assert_eq!(credential.secret_hash, tenant.first_secret.hash);
    assert_eq!(credential.secret_expires_at, None);
    assert_eq!(credential.organization_status, OrganizationStatus::Active);

    let events: Vec<AuditEvent> = tenant.events.iter().rev().cloned().collect();
    assert_eq!(all_audit_events(&db, &tenant.org.id).await, events);
}

async fn get_of_an_unknown_organization_is_none(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    create_tenant(&db, "Acme").await;
    assert_eq!(db.organizations().get(&OrganizationId::generate()).await.expect("get"), None);
}

async fn a_child_organization_keeps_its_parent(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let parent = create_tenant(&db, "Platform").await;
    let repo = db.organizations();

    let mut child = organization("Tenant of the platform");
    child.parent_id = Some(parent.org.id);
    let key = api_key(&child.id, Environment::Live, "root key");
    let events = [audit(&child.id, AuditAction::OrganizationCreated, &child.id.to_string())];
    repo.insert_with_key(&child, &key, &new_secret(), &events).await.expect("insert the child organization");

    let stored = repo.get(&child.id).await.expect("get").expect("the child exists");
    assert_eq!(stored.parent_id, Some(parent.org.id));
    assert_eq!(stored, child);
    assert_eq!(repo.get(&parent.org.id).await.expect("get"), Some(parent.org), "the parent has no parent");
}

/// Stores an organization created by `parent`, with a first key.
async fn child_of(
    db: &sesame_persistence::Database,
    parent: OrganizationId,
    name: &str,
) -> sesame_domain::Organization {
    let mut child = organization(name);
    child.parent_id = Some(parent);
    let key = api_key(&child.id, Environment::Live, "root key");
    let events = [audit(&child.id, AuditAction::OrganizationCreated, &child.id.to_string())];
    db.organizations().insert_with_key(&child, &key, &new_secret(), &events).await.expect("insert a child");
    child
}

async fn descendants_are_every_generation_below_and_update_all_writes_them_together(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let top = create_tenant(&db, "Platform").await.org;
    let unrelated = create_tenant(&db, "Elsewhere").await.org;
    let reseller = child_of(&db, top.id, "Reseller").await;
    let customer = child_of(&db, reseller.id, "Customer").await;
    let other = child_of(&db, unrelated.id, "Not below").await;
    let repo = db.organizations();

    let mut below: Vec<OrganizationId> =
        repo.descendants(&top.id).await.expect("descendants").iter().map(|o| o.id).collect();
    below.sort_by_key(|id| id.to_string());
    let mut expected = vec![reseller.id, customer.id];
    expected.sort_by_key(|id| id.to_string());
    assert_eq!(below, expected, "children and grandchildren, nothing else");
    assert!(repo.descendants(&customer.id).await.expect("descendants").is_empty());

    let closed: Vec<_> = [reseller, customer]
        .into_iter()
        .map(|o| sesame_domain::Organization { deactivated_at: Some(now()), updated_at: Some(now()), ..o })
        .collect();
    let events: Vec<AuditEvent> =
        closed.iter().map(|o| audit(&top.id, AuditAction::OrganizationDeactivated, &o.id.to_string())).collect();
    repo.update_all(&closed, &events).await.expect("update all");
    for org in &closed {
        assert_eq!(repo.get(&org.id).await.expect("get").expect("stored").status(), OrganizationStatus::Deactivated);
    }
    assert_eq!(repo.get(&other.id).await.expect("get").expect("stored").status(), OrganizationStatus::Active);
    let trail = all_audit_events(&db, &top.id).await;
    assert_eq!(trail.iter().filter(|e| e.action == AuditAction::OrganizationDeactivated).count(), 2);
}

async fn update_writes_the_name_and_deactivation(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let other = create_tenant(&db, "Globex").await;
    let repo = db.organizations();

    let mut changed = tenant.org.clone();
    changed.name = OrganizationName::parse("Acme Corporation").expect("name");
    changed.updated_at = Some(now());
    changed.deactivated_at = Some(now());
    let event = AuditEvent {
        before: json!({ "name": "Acme", "deactivated_at": null }),
        after: json!({ "name": "Acme Corporation", "deactivated_at": changed.deactivated_at }),
        ..audit(&tenant.org.id, AuditAction::OrganizationDeactivated, &tenant.org.id.to_string())
    };
    repo.update(&changed, &event).await.expect("update");

    assert_eq!(repo.get(&tenant.org.id).await.expect("get"), Some(changed));
    assert_eq!(repo.get(&other.org.id).await.expect("get"), Some(other.org), "other organizations are untouched");
    assert_eq!(all_audit_events(&db, &tenant.org.id).await.first(), Some(&event));
}

async fn a_deactivated_organization_is_reported_by_find_credential(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let other = create_tenant(&db, "Globex").await;
    let key = api_key(&tenant.org.id, Environment::Test, "test key");
    let (secret, _) = crate::helpers::insert_key(&db, &key).await;

    let mut deactivated = tenant.org.clone();
    deactivated.updated_at = Some(now());
    deactivated.deactivated_at = Some(now());
    db.organizations()
        .update(&deactivated, &audit(&tenant.org.id, AuditAction::OrganizationDeactivated, &tenant.org.id.to_string()))
        .await
        .expect("deactivate");

    let keys = db.api_keys();
    for lookup in [tenant.first_secret.lookup, secret.lookup] {
        let credential = keys.find_credential(&lookup).await.expect("look up").expect("the secret is stored");
        assert_eq!(credential.organization_status, OrganizationStatus::Deactivated);
    }
    let credential =
        keys.find_credential(&other.first_secret.lookup).await.expect("look up").expect("the secret is stored");
    assert_eq!(credential.organization_status, OrganizationStatus::Active, "other organizations stay active");
}

async fn insert_with_key_with_a_taken_lookup_id_conflicts_and_writes_nothing(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let repo = db.organizations();

    let org = organization("Globex");
    let key = api_key(&org.id, Environment::Live, "root key");
    let mut clashing = new_secret();
    clashing.lookup = tenant.first_secret.lookup;
    let events = [
        audit(&org.id, AuditAction::OrganizationCreated, &org.id.to_string()),
        audit(&org.id, AuditAction::ApiKeyCreated, &key.id.to_string()),
    ];
    let err = repo.insert_with_key(&org, &key, &clashing, &events).await.expect_err("the lookup id is taken");
    assert!(matches!(err, RepositoryError::Conflict(_)), "expected a conflict, got {err:?}");

    assert_eq!(repo.get(&org.id).await.expect("get"), None, "the organization was not kept");
    assert_eq!(db.api_keys().get(&org.id, &key.id).await.expect("get"), None, "its key was not kept");
    assert!(all_audit_events(&db, &org.id).await.is_empty(), "its audit events were not kept");

    // The same organization stores fine with a lookup id of its own.
    repo.insert_with_key(&org, &key, &new_secret(), &events).await.expect("insert again");
    assert_eq!(repo.get(&org.id).await.expect("get"), Some(org));
}
