use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{AuditLog, AuditQuery};
use sesame_domain::{AuditEvent, Principal, Scope};

use crate::support::listing::{ListError, Page, PageQuery, PageRequest};

/// Lists the caller's organization's audit events, newest first.
#[derive(Clone, new)]
pub struct ListAuditEvents {
    audit: Arc<dyn AuditLog>,
}

impl ListAuditEvents {
    /// # Errors
    /// `Forbidden` without `api_keys.read`; `Validation` for a bad limit or cursor.
    pub async fn execute(&self, caller: &Principal, page: &PageQuery) -> Result<Page<AuditEvent>, ListError> {
        caller.require(Scope::ApiKeysRead)?;
        let PageRequest { limit, after } = PageRequest::parse_alone(page)?;
        let items = self
            .audit
            .list(&AuditQuery {
                organization_id: caller.organization_id,
                environment: caller.environment,
                after,
                limit,
            })
            .await
            .map_err(|e| ListError::Unexpected(Box::new(e)))?;
        Ok(Page::new(items, limit, |e| e.id.uuid()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockAuditLog;

    #[tokio::test]
    async fn events_are_read_from_the_callers_organization_only() {
        let caller = principal(&["api_keys.read"]);
        let org = caller.organization_id;
        let mut audit = MockAuditLog::new();
        audit.expect_list().withf(move |q| q.organization_id == org).times(1).returning(|_| Ok(vec![]));
        let page = ListAuditEvents::new(Arc::new(audit)).execute(&caller, &PageQuery::default()).await.unwrap();
        assert!(page.items.is_empty());
    }

    #[tokio::test]
    async fn a_bad_cursor_is_named() {
        let err = ListAuditEvents::new(Arc::new(MockAuditLog::new()))
            .execute(&principal(&["api_keys.read"]), &PageQuery { limit: None, cursor: Some("nope".into()) })
            .await
            .unwrap_err();
        assert!(matches!(err, ListError::Validation(v) if v.fields()[0].field == "cursor"));
    }
}
