//! `SeaOrmServiceAccountRepository`, and keys belonging to service accounts.

use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, ServiceAccountRepository};
use sesame_domain::{
    AuditAction, Cursor, Environment, KeyDescription, OrganizationId, ServiceAccount, ServiceAccountId,
    ServiceAccountName,
};

use crate::helpers::{all_audit_events, api_key, audit, create_tenant, insert_key, key_query, now, page_limit, TestDb};

on_both_backends!(
    an_inserted_service_account_reads_back_with_its_audit_event,
    a_service_account_is_invisible_to_another_organization,
    service_accounts_list_newest_first_by_keyset_pages,
    a_keys_service_account_is_stored_and_filters_the_listing,
);

fn service_account(organization_id: &OrganizationId, name: &str) -> ServiceAccount {
    ServiceAccount {
        id: ServiceAccountId::generate(),
        organization_id: *organization_id,
        name: ServiceAccountName::parse(name).expect("a valid name"),
        description: KeyDescription::parse("runs at night").expect("a valid description"),
        created_by: "system:test".to_owned(),
        created_at: now(),
    }
}

async fn insert(db: &TestDb, account: &ServiceAccount) {
    let event = audit(&account.organization_id, AuditAction::ServiceAccountCreated, &account.id.to_string());
    db.service_accounts().insert(account, &event).await.expect("insert the service account");
}

async fn an_inserted_service_account_reads_back_with_its_audit_event(db: TestDb) {
    let tenant = create_tenant(&db, "Acme").await;
    let account = service_account(&tenant.org.id, "billing-worker");
    insert(&db, &account).await;

    let stored = db.service_accounts().get(&tenant.org.id, &account.id).await.expect("get");
    assert_eq!(stored, Some(account.clone()));
    let events = all_audit_events(&db, &tenant.org.id).await;
    assert_eq!(events[0].action, AuditAction::ServiceAccountCreated);
    assert_eq!(events[0].target_id, account.id.to_string());
}

async fn a_service_account_is_invisible_to_another_organization(db: TestDb) {
    let (acme, globex) = (create_tenant(&db, "Acme").await, create_tenant(&db, "Globex").await);
    let account = service_account(&acme.org.id, "billing-worker");
    insert(&db, &account).await;

    assert_eq!(db.service_accounts().get(&globex.org.id, &account.id).await.expect("get"), None);
    let listed = db.service_accounts().list(&globex.org.id, None, page_limit(100)).await.expect("list");
    assert!(listed.is_empty(), "Globex sees none of Acme's service accounts");
}

async fn service_accounts_list_newest_first_by_keyset_pages(db: TestDb) {
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

async fn a_keys_service_account_is_stored_and_filters_the_listing(db: TestDb) {
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
