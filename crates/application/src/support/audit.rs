//! Builds audit events. Snapshots hold a key's or organization's visible
//! fields only: never a secret, a hash or a lookup id.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sesame_domain::{
    Actor, ApiKey, AuditAction, AuditEvent, AuditEventId, Environment, Organization, OrganizationId, Principal,
};

pub(crate) fn key_snapshot(key: &ApiKey) -> Value {
    json!({
        "label": key.label.as_str(),
        "description": key.description.as_str(),
        "scopes": key.scopes.names(),
        "ip_allow_list": key.ip_allow_list.entries(),
        "expires_at": key.expires_at.map(|e| e.at().to_rfc3339()),
        "environment": key.environment.as_str(),
        "kind": key.kind.as_str(),
        "metadata": key.metadata.to_value(),
        "key_prefix": key.key_prefix,
        "revoked_at": key.revoked_at.map(|t| t.to_rfc3339()),
        "leaked_at": key.leaked_at.map(|t| t.to_rfc3339()),
        "service_account_id": key.service_account_id.map(|id| id.to_string()),
        "rate_limits": crate::limits::snapshot::rate_limits(&key.limits.rate_limits),
        "credits": crate::limits::snapshot::credits(key.limits.credits.as_ref()),
    })
}

pub(crate) fn organization_snapshot(organization: &Organization) -> Value {
    json!({
        "name": organization.name.as_str(),
        "deactivated_at": organization.deactivated_at.map(|t| t.to_rfc3339()),
    })
}

/// Keeps only the fields whose values differ, so an event shows what changed.
pub(crate) fn changed_fields(before: &Value, after: &Value) -> (Value, Value) {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return (before.clone(), after.clone());
    };
    let mut old = Map::new();
    let mut new = Map::new();
    for (field, value) in a {
        if b.get(field) != Some(value) {
            old.insert(field.clone(), b.get(field).cloned().unwrap_or(Value::Null));
            new.insert(field.clone(), value.clone());
        }
    }
    (Value::Object(old), Value::Object(new))
}

pub(crate) struct AuditContext<'a> {
    pub organization_id: OrganizationId,
    pub environment: Environment,
    pub actor: Actor,
    pub ip: Option<IpAddr>,
    pub at: DateTime<Utc>,
    pub target_id: &'a str,
}

/// Who made a change (and from where, as its principal says), and when:
/// what every event of one change shares. Events go to the caller's
/// organization's trail and keep only the fields that changed.
pub(crate) struct ChangeBy<'a> {
    pub caller: &'a Principal,
    pub at: DateTime<Utc>,
}

impl ChangeBy<'_> {
    /// An event for `target_id`, from snapshot `before` to snapshot `after`.
    pub(crate) fn of(&self, target_id: &str, action: AuditAction, before: &Value, after: &Value) -> AuditEvent {
        let (old, new) = changed_fields(before, after);
        self.event(target_id, action, old, new)
    }

    /// An event for `target_id` recording `before` and `after` as given.
    pub(crate) fn event(&self, target_id: &str, action: AuditAction, before: Value, after: Value) -> AuditEvent {
        let ctx = AuditContext {
            organization_id: self.caller.organization_id,
            environment: self.caller.environment,
            actor: self.caller.actor.clone(),
            ip: self.caller.ip,
            at: self.at,
            target_id,
        };
        event(ctx, action, before, after)
    }

    pub(crate) fn key(&self, action: AuditAction, before: &ApiKey, after: &ApiKey) -> AuditEvent {
        self.of(&after.id.to_string(), action, &key_snapshot(before), &key_snapshot(after))
    }

    pub(crate) fn organization(&self, action: AuditAction, before: &Organization, after: &Organization) -> AuditEvent {
        self.of(&after.id.to_string(), action, &organization_snapshot(before), &organization_snapshot(after))
    }
}

pub(crate) fn event(ctx: AuditContext<'_>, action: AuditAction, before: Value, after: Value) -> AuditEvent {
    AuditEvent {
        id: AuditEventId::generate(),
        organization_id: ctx.organization_id,
        actor: ctx.actor,
        environment: ctx.environment,
        action,
        target_id: ctx.target_id.to_owned(),
        ip: ctx.ip.map(|ip| ip.to_string()),
        before,
        after,
        occurred_at: ctx.at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_kept() {
        let before = json!({"label": "a", "scopes": ["x"]});
        let after = json!({"label": "b", "scopes": ["x"]});
        let (old, new) = changed_fields(&before, &after);
        assert_eq!(old, json!({"label": "a"}));
        assert_eq!(new, json!({"label": "b"}));
    }
}
