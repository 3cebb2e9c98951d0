use async_trait::async_trait;
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};
use sesame_domain::ports::{AuditLog, AuditQuery, RepositoryError};
use sesame_domain::{AuditEvent, AuditEventId};

use crate::conversions::{audit_event_from_row, audit_event_to_row};
use crate::entities::audit_event;
use crate::error::from_db;
use crate::rows;

/// Writes the events of a change inside the change's own transaction, so the
/// trail never records a change that was not made, nor misses one that was.
pub(crate) async fn append(txn: &DatabaseTransaction, events: &[AuditEvent]) -> Result<(), RepositoryError> {
    if events.is_empty() {
        return Ok(());
    }
    audit_event::Entity::insert_many(events.iter().map(audit_event_to_row)).exec(txn).await.map_err(from_db)?;
    Ok(())
}

/// Reads the audit trail that the repositories write.
#[derive(Clone)]
pub struct SeaOrmAuditLog {
    db: DatabaseConnection,
}

impl SeaOrmAuditLog {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditLog for SeaOrmAuditLog {
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, RepositoryError> {
        let select = audit_event::Entity::find()
            .filter(audit_event::Column::OrganizationId.eq(query.organization_id.to_string()))
            .filter(audit_event::Column::Environment.eq(query.environment.as_str()));
        let after = query.after.as_ref().map(|cursor| AuditEventId::from_uuid(cursor.uuid()).to_string());
        let limit = u64::from(query.limit.get());
        rows::page(select, audit_event::Column::Id, after, limit, &self.db, audit_event_from_row).await
    }
}
