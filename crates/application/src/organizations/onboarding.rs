//! Creates an organization together with its first key: shared by the
//! bootstrap of an empty installation and by the organizations endpoint.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sesame_domain::{
    Actor, ApiKey, ApiToken, AuditAction, AuditEvent, Environment, NewSecret, Organization, OrganizationId,
    OrganizationName, ScopeSet,
};

use crate::api_keys::NewApiKey;
use crate::support::audit::{self, AuditContext};

pub(crate) struct Onboarded {
    pub organization: Organization,
    pub key: ApiKey,
    pub secret: NewSecret,
    pub token: ApiToken,
    pub events: Vec<AuditEvent>,
}

pub(crate) struct OnboardingRequest {
    pub name: OrganizationName,
    pub parent_id: Option<OrganizationId>,
    pub scopes: ScopeSet,
    pub environment: Environment,
    pub actor: Actor,
    pub ip: Option<IpAddr>,
    pub now: DateTime<Utc>,
}

/// Builds the records; the caller stores them in one transaction.
pub(crate) fn onboard(request: OnboardingRequest, token: ApiToken, secret: NewSecret) -> Onboarded {
    let OnboardingRequest { name, parent_id, scopes, environment, actor, ip, now } = request;
    let organization = Organization {
        id: OrganizationId::generate(),
        name,
        parent_id,
        created_at: now,
        updated_at: None,
        deactivated_at: None,
    };
    let key = NewApiKey::root(scopes, environment).issue(organization.id, actor.clone(), now, &token);
    let org_target = organization.id.to_string();
    let key_target = key.id.to_string();
    let ctx = |target_id| AuditContext {
        organization_id: organization.id,
        environment,
        actor: actor.clone(),
        ip,
        at: now,
        target_id,
    };
    let events = vec![
        audit::event(
            ctx(&org_target),
            AuditAction::OrganizationCreated,
            serde_json::Value::Null,
            audit::organization_snapshot(&organization),
        ),
        audit::event(ctx(&key_target), AuditAction::ApiKeyCreated, serde_json::Value::Null, audit::key_snapshot(&key)),
    ];
    Onboarded { organization, key, secret, token, events }
}
