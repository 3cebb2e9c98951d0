//! `SeaOrmServiceAccountRepository`, and keys belonging to service accounts.

use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, ServiceAccountRepository};
use sesame_domain::{
    AuditAction, Cursor, Environment, KeyDescription, OrganizationId, ServiceAccount, ServiceAccountId,
    ServiceAccountName,
};
use sesame_persistence::test_support::{Backend, TestDatabase};
use sesame_persistence::{on_both_backends, Database};

use crate::helpers::{all_audit_events, api_key, audit, create_tenant, insert_key, key_query, now, page_limit};

on_both_backends!(
    an_inserted_service_account_reads_back_with_its_audit_event,
    a_service_account_is_invisible_to_another_organization,
    service_accounts_list_newest_first_by_keyset_pages,
    a_keys_service_account_is_stored_and_filters_the_listing,
    active_keys_are_the_accounts_unrevoked_keys_of_every_environment,
    delete_marks_the_account_revokes_its_keys_and_writes_the_events_together,
);

fn service_account(organization_id: &OrganizationId, name: &str) -> ServiceAccount {
    ServiceAccount {
        id: ServiceAccountId::generate(),
        organization_id: *organization_id,
        name: ServiceAccountName::parse(name).expect("a valid name"),
        description: KeyDescription::parse("runs at night").expect("a valid description"),
        created_by: sesame_domain::Actor::System { name: "test".to_owned() },
        created_at: now(),
        deleted_at: None,
        limits: sesame_domain::UsageLimits::default(),
    }
}

async fn insert(db: &Database, account: &ServiceAccount) {
    let event = audit(&account.organization_id, AuditAction::ServiceAccountCreated, &account.id.to_string());
    db.service_accounts().insert(account, &event).await.expect("insert the service account");
}

async fn an_inserted_service_account_reads_back_with_its_audit_event(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let account = service_account(&tenant.org.id, "billing-worker");
    insert(&db, &account).await;

    let stored = db.service_accounts().get(&tenant.org.id, &account.id).await.expect("get");
    assert_eq!(stored, Some(account.clone()));
    let events = all_audit_events(&db, &tenant.org.id).await;
    assert_eq!(events[0].action, AuditAction::ServiceAccountCreated);
    assert_eq!(events[0].target_id, account.id.to_string());
}

async fn a_service_account_is_invisible_to_another_organization(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let (acme, globex) = (create_tenant(&db, "Acme").await, create_tenant(&db, "Globex").await);
    let account = service_account(&acme.org.id, "billing-worker");
    insert(&db, &account).await;

    assert_eq!(db.service_accounts().get(&globex.org.id, &account.id).await.expect("get"), None);
    let listed = db.service_accounts().list(&globex.org.id, None, page_limit(100)).await.expect("list");
    assert!(listed.is_empty(), "Globex sees none of Acme's service accounts");
}

async fn service_accounts_list_newest_first_by_keyset_pages(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let mut inserted = Vec::new();
    for n in 0..5 {
        let account = service_account(&tenant.org.id, &format!("worker-{n}"));
        insert(&db, &account).await;
        inserted.push(account.id);
    }
    inserted.reverse();

    let repo = db.service_accounts();
    let first = repo.list(&tenant.org.id, None, page_limit(3)).await.expect("page 1");
    let after = Cursor::after(first.last().expect("a full first page").id.uuid());
    let second = repo.list(&tenant.org.id, Some(after), page_limit(3)).await.expect("page 2");
    let listed: Vec<ServiceAccountId> = first.iter().chain(&second).map(|a| a.id).collect();
    assert_eq!(listed, inserted);
}

async fn a_keys_service_account_is_stored_and_filters_the_listing(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let account = service_account(&tenant.org.id, "billing-worker");
    insert(&db, &account).await;
    let mut owned = api_key(&tenant.org.id, Environment::Live, "worker key");
    owned.service_account_id = Some(account.id);
    insert_key(&db, &owned).await;

    let stored = db.api_keys().get(&tenant.org.id, &owned.id).await.expect("get").expect("the key exists");
    assert_eq!(stored.service_account_id, Some(account.id));

    let query = ApiKeyQuery { service_account_id: Some(account.id), ..key_query(&tenant.org.id, Environment::Live) };
    let listed = db.api_keys().list(&query).await.expect("list");
    assert_eq!(listed.iter().map(|k| k.id).collect::<Vec<_>>(), vec![owned.id], "the root key is not the worker's");
}

async fn active_keys_are_the_accounts_unrevoked_keys_of_every_environment(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let account = service_account(&tenant.org.id, "billing-worker");
    insert(&db, &account).await;
    let mut live = api_key(&tenant.org.id, Environment::Live, "live worker");
    let mut test = api_key(&tenant.org.id, Environment::Test, "test worker");
    let mut revoked = api_key(&tenant.org.id, Environment::Live, "old worker");
    for key in [&mut live, &mut test, &mut revoked] {
        key.service_account_id = Some(account.id);
    }
    revoked.revoked_at = Some(now());
    for key in [&live, &test, &revoked] {
        insert_key(&db, key).await;
    }

    let mut active: Vec<_> = db
        .service_accounts()
        .active_keys(&tenant.org.id, &account.id)
        .await
        .expect("active keys")
        .iter()
        .map(|k| k.id)
        .collect();
    active.sort();
    let mut expected = vec![live.id, test.id];
    expected.sort();
    assert_eq!(active, expected, "the revoked key and the root key are not among them");
    let other = create_tenant(&db, "Globex").await;
    assert!(db.service_accounts().active_keys(&other.org.id, &account.id).await.expect("active keys").is_empty());
}

async fn delete_marks_the_account_revokes_its_keys_and_writes_the_events_together(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let tenant = create_tenant(&db, "Acme").await;
    let account = service_account(&tenant.org.id, "billing-worker");
    insert(&db, &account).await;
    let mut key = api_key(&tenant.org.id, Environment::Live, "worker key");
    key.service_account_id = Some(account.id);
    insert_key(&db, &key).await;

    let at = now();
    let deleted = ServiceAccount { deleted_at: Some(at), ..account.clone() };
    let revoked = sesame_domain::ApiKey { revoked_at: Some(at), updated_at: Some(at), ..key.clone() };
    let events = [
        audit(&tenant.org.id, AuditAction::ServiceAccountDeleted, &account.id.to_string()),
        audit(&tenant.org.id, AuditAction::ApiKeyRevoked, &key.id.to_string()),
    ];
    db.service_accounts().delete(&deleted, std::slice::from_ref(&revoked), &events).await.expect("delete");

    let stored = db.service_accounts().get(&tenant.org.id, &account.id).await.expect("get").expect("still readable");
    assert_eq!(stored.deleted_at, Some(at));
    let stored_key = db.api_keys().get(&tenant.org.id, &key.id).await.expect("get").expect("the key exists");
    assert_eq!((stored_key.revoked_at, stored_key.label), (Some(at), key.label), "only revocation changed");
    assert!(db.service_accounts().list(&tenant.org.id, None, page_limit(100)).await.expect("list").is_empty());
    let actions: Vec<AuditAction> = all_audit_events(&db, &tenant.org.id).await.iter().map(|e| e.action).collect();
    assert!(actions.contains(&AuditAction::ServiceAccountDeleted) && actions.contains(&AuditAction::ApiKeyRevoked));
}
