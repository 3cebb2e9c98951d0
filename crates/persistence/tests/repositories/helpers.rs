//! A fresh, migrated database per test, on either backend, and builders for
//! the domain values the scenarios store.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, AuditLog, AuditQuery, OrganizationRepository, StatusFilter};
use sesame_domain::{
    ApiKey, ApiKeyId, AuditAction, AuditEvent, AuditEventId, Cursor, Environment, IpAllowList, KeyDescription, KeyKind,
    KeyLabel, LookupId, Metadata, NewSecret, Organization, OrganizationId, OrganizationName, PageLimit, ScopeSet,
    SecretHash, UsageMetrics,
};
use sesame_persistence::{
    Database, DatabaseSettings, SeaOrmApiKeyRepository, SeaOrmAuditLog, SeaOrmOrganizationRepository,
    SeaOrmServiceAccountRepository,
};
use tempfile::TempDir;

/// Where the PostgreSQL tests find a server they may create databases on.
pub const DATABASE_URL_VAR: &str = "SESAME_TEST_DATABASE_URL";
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated, empty database that disappears when the value is dropped.
pub struct TestDb {
    pub db: Database,
    backend: Backend,
}

enum Backend {
    /// The file lives (and dies) inside the directory.
    Sqlite { _dir: TempDir },
    /// A database of its own on the server, dropped on `Drop`.
    Postgres { admin_url: String, database: String },
}

fn settings(url: &str) -> DatabaseSettings {
    DatabaseSettings { url: url.to_owned(), max_connections: 4, connect_timeout: Duration::from_secs(5) }
}

impl TestDb {
    /// A fresh SQLite file in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory for the SQLite file");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("sesame.db").display());
        let db = Database::connect(&settings(&url)).await.unwrap_or_else(|e| panic!("open SQLite at {url}: {e:?}"));
        db.migrate().await.expect("migrate the SQLite database");
        Self { db, backend: Backend::Sqlite { _dir: dir } }
    }

    /// A fresh database on the PostgreSQL server named by
    /// `SESAME_TEST_DATABASE_URL`. Panics, never skips, if the server cannot
    /// be reached.
    pub async fn postgres() -> Self {
        let admin_url = std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
        let admin = sea_orm::Database::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "cannot reach PostgreSQL at {shown}: {e}\n\
                 The PostgreSQL variants of these tests need a server on which they may create and drop \
                 databases. Start one, or point the tests at one with \
                 {DATABASE_URL_VAR}=postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: {DEFAULT_DATABASE_URL}).",
                shown = redact(&admin_url),
            )
        });
        let database = format!("sesame_test_{}", uuid::Uuid::now_v7().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
            .await
            .unwrap_or_else(|e| panic!("create database {database} on {}: {e}", redact(&admin_url)));
        admin.close().await.expect("close the administrative connection");

        // From here on, dropping `db` drops the database, even if migrating fails.
        let url = with_database(&admin_url, &database);
        let db = match Database::connect(&settings(&url)).await {
            Ok(db) => db,
            Err(e) => {
                drop_postgres_database(admin_url, database.clone());
                panic!("connect to the new database {database}: {e:?}");
            }
        };
        let test = Self { db, backend: Backend::Postgres { admin_url, database } };
        test.db.migrate().await.expect("migrate the PostgreSQL database");
        test
    }

    pub fn api_keys(&self) -> SeaOrmApiKeyRepository {
        self.db.api_keys()
    }

    pub fn organizations(&self) -> SeaOrmOrganizationRepository {
        self.db.organizations()
    }

    pub fn service_accounts(&self) -> SeaOrmServiceAccountRepository {
        self.db.service_accounts()
    }

    pub fn audit_log(&self) -> SeaOrmAuditLog {
        self.db.audit_log()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Backend::Postgres { admin_url, database } = &self.backend {
            drop_postgres_database(admin_url.clone(), database.clone());
        }
    }
}

/// Drops the database from a thread with its own runtime: `Drop` cannot
/// await, and the test's runtime may be single-threaded. Never panics, so a
/// failing test still reports its own failure.
fn drop_postgres_database(admin_url: String, database: String) {
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let admin = sea_orm::Database::connect(&admin_url).await.map_err(|e| e.to_string())?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"))
                .await
                .map_err(|e| format!("drop database {database}: {e}"))?;
            admin.close().await.map_err(|e| e.to_string())
        })
    })
    .join();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: could not drop the test database: {e}"),
        Err(_) => eprintln!("warning: the thread dropping the test database panicked"),
    }
}

/// `url` with its path (the database name) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// `url` without its password, for error messages.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

#[test]
fn the_database_name_replaces_the_path_of_the_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "t1"), "postgres://u:p@h/t1?sslmode=disable");
    assert_eq!(with_database("postgres://h:5432", "t1"), "postgres://h:5432/t1");
    assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
}

// ---------------------------------------------------------------- time

/// Now, to the microsecond: what both backends store exactly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

// ---------------------------------------------------------------- domain values

pub fn organization(name: &str) -> Organization {
    Organization {
        id: OrganizationId::generate(),
        name: OrganizationName::parse(name).expect("a valid organization name"),
        parent_id: None,
        created_at: now(),
        updated_at: None,
        deactivated_at: None,
    }
}

pub fn api_key(organization_id: &OrganizationId, environment: Environment, label: &str) -> ApiKey {
    ApiKey {
        id: ApiKeyId::generate(),
        organization_id: *organization_id,
        label: KeyLabel::parse(label).expect("a valid label"),
        description: KeyDescription::parse("created by the persistence tests").expect("a valid description"),
        scopes: ScopeSet::parse(["products.read", "invoices.create"]).expect("known scopes"),
        ip_allow_list: IpAllowList::parse(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]).expect("valid ranges"),
        expires_at: None,
        environment,
        kind: KeyKind::Secret,
        metadata: Metadata::parse(json!({ "team": "billing", "tier": 2 })).expect("a JSON object"),
        service_account_id: None,
        created_by: "system:test".to_owned(),
        created_at: now(),
        updated_at: None,
        revoked_at: None,
        key_prefix: format!("sk_{}_{}", environment.as_str(), &label.chars().take(6).collect::<String>()),
        usage: UsageMetrics::default(),
    }
}

/// A secret with a lookup id no other test uses (UUIDv7 bytes are unique).
pub fn new_secret() -> NewSecret {
    let lookup = LookupId::from_bytes(*uuid::Uuid::now_v7().as_bytes());
    NewSecret {
        hash: SecretHash::new(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${}", lookup.to_hex())),
        lookup,
        created_at: now(),
    }
}

pub fn audit(organization_id: &OrganizationId, action: AuditAction, target_id: &str) -> AuditEvent {
    AuditEvent {
        id: AuditEventId::generate(),
        organization_id: *organization_id,
        actor: "system:test".to_owned(),
        environment: Environment::Live,
        action,
        target_id: target_id.to_owned(),
        ip: Some("203.0.113.7".to_owned()),
        before: json!({}),
        after: json!({ "action": action.as_str() }),
        occurred_at: now(),
    }
}

// ---------------------------------------------------------------- fixtures

/// An organization as `insert_with_key` stored it, with its first key.
pub struct Tenant {
    pub org: Organization,
    pub first_key: ApiKey,
    pub first_secret: NewSecret,
    /// The audit events written with it, in the order written.
    pub events: Vec<AuditEvent>,
}

/// Stores an organization and its first (live) key.
pub async fn create_tenant(db: &TestDb, name: &str) -> Tenant {
    let org = organization(name);
    let first_key = api_key(&org.id, Environment::Live, "root key");
    let first_secret = new_secret();
    let events = vec![
        audit(&org.id, AuditAction::OrganizationCreated, &org.id.to_string()),
        audit(&org.id, AuditAction::ApiKeyCreated, &first_key.id.to_string()),
    ];
    db.organizations()
        .insert_with_key(&org, &first_key, &first_secret, &events)
        .await
        .expect("insert the organization with its first key");
    Tenant { org, first_key, first_secret, events }
}

/// Stores `key` with a fresh secret; returns the secret and the audit event.
pub async fn insert_key(db: &TestDb, key: &ApiKey) -> (NewSecret, AuditEvent) {
    let secret = new_secret();
    let event = audit(&key.organization_id, AuditAction::ApiKeyCreated, &key.id.to_string());
    db.api_keys().insert(key, &secret, &event).await.expect("insert the key");
    (secret, event)
}

pub fn key_query(organization_id: &OrganizationId, environment: Environment) -> ApiKeyQuery {
    ApiKeyQuery {
        organization_id: *organization_id,
        environment,
        status: None,
        service_account_id: None,
        after: None,
        limit: PageLimit::parse(PageLimit::MAX).expect("the maximum page size"),
        now: now(),
    }
}

pub fn page_limit(n: u32) -> PageLimit {
    PageLimit::parse(n).expect("a valid page size")
}

/// Every key the query matches, read page by page with keyset cursors;
/// also asserts that no page is longer than the limit.
pub async fn list_all_keys(db: &TestDb, query: &ApiKeyQuery) -> (Vec<ApiKey>, usize) {
    let mut query = query.clone();
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = db.api_keys().list(&query).await.expect("list keys");
        assert!(page.len() <= query.limit.get() as usize, "a page is longer than its limit");
        let Some(last) = page.last() else { break };
        query.after = Some(Cursor::after(last.id.uuid()));
        pages += 1;
        assert!(pages <= 200, "pagination never ends: the cursor keeps returning keys");
        let full = page.len() == query.limit.get() as usize;
        all.extend(page);
        if !full {
            break;
        }
    }
    (all, pages)
}

pub async fn list_with_status(db: &TestDb, organization_id: &OrganizationId, status: StatusFilter) -> Vec<ApiKeyId> {
    let query = ApiKeyQuery { status: Some(status), ..key_query(organization_id, Environment::Live) };
    db.api_keys().list(&query).await.expect("list keys").into_iter().map(|k| k.id).collect()
}

pub fn audit_query(organization_id: &OrganizationId, limit: u32) -> AuditQuery {
    AuditQuery {
        organization_id: *organization_id,
        environment: Environment::Live,
        after: None,
        limit: page_limit(limit),
    }
}

/// Every audit event of the organization, newest first.
pub async fn all_audit_events(db: &TestDb, organization_id: &OrganizationId) -> Vec<AuditEvent> {
    db.audit_log().list(&audit_query(organization_id, PageLimit::MAX)).await.expect("list audit events")
}

pub fn ids(keys: &[ApiKey]) -> Vec<ApiKeyId> {
    keys.iter().map(|k| k.id).collect()
}
