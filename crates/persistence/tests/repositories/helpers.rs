//! Builders for the domain values the scenarios store, and fixtures on a
//! test database (`sesame_persistence::test_support` makes the database).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;
use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, AuditLog, AuditQuery, OrganizationRepository, StatusFilter};
use sesame_domain::{
    ApiKey, ApiKeyId, AuditAction, AuditEvent, AuditEventId, Cursor, Environment, IpAllowList, KeyDescription, KeyKind,
    KeyLabel, LookupId, Metadata, NewSecret, Organization, OrganizationId, OrganizationName, PageLimit, ScopeSet,
    SecretHash, UsageMetrics, UsageRecord,
};
use sesame_persistence::Database;

// ---------------------------------------------------------------- time

/// The instant the scenarios happen at: fixed, to the microsecond (what both
/// backends store exactly), since storage never reads the clock itself.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap() + TimeDelta::microseconds(123_456)
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
        created_by: sesame_domain::Actor::System { name: "test".to_owned() },
        created_at: now(),
        updated_at: None,
        revoked_at: None,
        leaked_at: None,
        key_prefix: format!("sk_{}_{}", environment.as_str(), &label.chars().take(6).collect::<String>()),
        usage: UsageMetrics::default(),
        limits: sesame_domain::UsageLimits {
            rate_limits: sesame_domain::RateLimits::new(vec![
                sesame_domain::RateLimit::parse("default", 100, 60).expect("a valid limit")
            ])
            .expect("one limit"),
            credits: Some(sesame_domain::Credits {
                remaining: 1000,
                refill: Some(sesame_domain::Refill::parse(1000, "monthly", Some(31)).expect("a valid refill")),
            }),
        },
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
        actor: sesame_domain::Actor::System { name: "test".to_owned() },
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
pub async fn create_tenant(db: &Database, name: &str) -> Tenant {
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
pub async fn insert_key(db: &Database, key: &ApiKey) -> (NewSecret, AuditEvent) {
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
pub async fn list_all_keys(db: &Database, query: &ApiKeyQuery) -> (Vec<ApiKey>, usize) {
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

pub async fn list_with_status(db: &Database, organization_id: &OrganizationId, status: StatusFilter) -> Vec<ApiKeyId> {
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
pub async fn all_audit_events(db: &Database, organization_id: &OrganizationId) -> Vec<AuditEvent> {
    db.audit_log().list(&audit_query(organization_id, PageLimit::MAX)).await.expect("list audit events")
}

pub fn ids(keys: &[ApiKey]) -> Vec<ApiKeyId> {
    keys.iter().map(|k| k.id).collect()
}

/// One key's usage in a flush: `requests` more, last seen at `at` from `ip` with `agent`.
pub fn usage(key_id: ApiKeyId, requests: u64, at: DateTime<Utc>, ip: Option<&str>, agent: Option<&str>) -> UsageRecord {
    UsageRecord {
        key_id,
        requests,
        last_used_at: at,
        last_used_ip: ip.map(|ip| ip.parse().unwrap()),
        last_used_user_agent: agent.map(str::to_owned),
    }
}
