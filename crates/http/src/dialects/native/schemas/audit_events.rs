use serde::Serialize;
use sesame_domain::AuditEvent;
use utoipa::ToSchema;

use crate::time_format;

/// One recorded change. `before`/`after` hold the changed fields only.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventData {
    #[schema(example = "audit_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    pub organization_id: String,
    /// The key (or `system:bootstrap`) that made the change.
    pub actor: String,
    /// The actor's environment, `live` or `test`: a key reads only its own
    /// environment's events.
    #[schema(example = "live")]
    pub environment: String,
    #[schema(example = "api_key.updated")]
    pub action: String,
    pub target_id: String,
    pub ip: Option<String>,
    /// The changed fields as they were; `null` for a creation.
    #[schema(value_type = Option<Object>)]
    pub before: serde_json::Value,
    /// The changed fields as they are now.
    #[schema(value_type = Option<Object>)]
    pub after: serde_json::Value,
    #[schema(format = "mysql-date-time")]
    pub occurred_at: String,
}

impl AuditEventData {
    pub fn new(event: &AuditEvent) -> Self {
        Self {
            id: event.id.to_string(),
            organization_id: event.organization_id.to_string(),
            actor: event.actor.to_string(),
            environment: event.environment.as_str().to_owned(),
            action: event.action.as_str().to_owned(),
            target_id: event.target_id.clone(),
            ip: event.ip.clone(),
            before: event.before.clone(),
            after: event.after.clone(),
            occurred_at: time_format::format(event.occurred_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEventData>,
    pub next_cursor: Option<String>,
}
