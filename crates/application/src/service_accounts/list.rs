use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::ServiceAccountRepository;
use sesame_domain::{Principal, Scope, ServiceAccount};

use crate::support::listing::{ListError, Page, PageQuery, PageRequest};

/// Lists the caller's organization's service accounts, newest first, by
/// keyset pagination.
#[derive(Clone, new)]
pub struct ListServiceAccounts {
    accounts: Arc<dyn ServiceAccountRepository>,
}

impl ListServiceAccounts {
    /// # Errors
    /// `Forbidden` without `api_keys.read`; `Validation` for a bad limit or cursor.
    pub async fn execute(&self, caller: &Principal, page: &PageQuery) -> Result<Page<ServiceAccount>, ListError> {
        caller.require(Scope::ApiKeysRead)?;
        let PageRequest { limit, after } = PageRequest::parse_alone(page)?;
        let items = self
            .accounts
            .list(&caller.organization_id, after, limit)
            .await
            .map_err(|e| ListError::Unexpected(Box::new(e)))?;
        Ok(Page::new(items, limit, |a| a.id.uuid()))
    }
}
