use std::sync::Arc;

use derive_new::new;
use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, Clock, StatusFilter};
use sesame_domain::{Environment, Principal, Scope, ServiceAccountId};

use super::view::ApiKeyView;
use crate::support::listing::{ListError, Page, PageQuery, PageRequest};
use crate::support::validation::ValidationErrors;

#[derive(Debug, Clone, Default)]
pub struct ListApiKeysQuery {
    pub page: PageQuery,
    /// `active`, `expired` or `revoked`.
    pub status: Option<String>,
    /// `live` or `test`; must be the caller's own environment.
    pub environment: Option<String>,
    /// Only the keys of this service account (`svc_…`).
    pub service_account_id: Option<String>,
}

/// A parsed [`ListApiKeysQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyListing {
    pub page: PageRequest,
    pub status: Option<StatusFilter>,
    pub service_account_id: Option<ServiceAccountId>,
}

impl ListApiKeysQuery {
    /// Parses every parameter for `caller`, collecting every problem.
    ///
    /// # Errors
    /// Each bad parameter, named.
    pub fn parse(&self, caller: &Principal) -> Result<KeyListing, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = PageRequest::parse(&mut errors, &self.page);
        let status = match self.status.as_deref() {
            None => Some(None),
            Some(raw) => errors.check("status", parse_status(raw)).map(Some),
        };
        if let Some(raw) = self.environment.as_deref() {
            if let Some(env) = errors.check("environment", raw.parse::<Environment>()) {
                if env != caller.environment {
                    errors.add(
                        "environment",
                        format!("a {} key lists only {} keys", caller.environment, caller.environment),
                    );
                }
            }
        }
        let service_account_id = match self.service_account_id.as_deref() {
            None => Some(None),
            Some(raw) => errors.check("service_account_id", raw.parse::<ServiceAccountId>()).map(Some),
        };
        errors.finish(|| Some(KeyListing { page: page?, status: status?, service_account_id: service_account_id? }))
    }
}

/// Lists the caller's organization's keys of the caller's environment,
/// newest first, by keyset pagination: every page costs one index seek.
#[derive(Clone, new)]
pub struct ListApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
}

fn parse_status(raw: &str) -> Result<StatusFilter, &'static str> {
    match raw {
        "active" => Ok(StatusFilter::Active),
        "expired" => Ok(StatusFilter::Expired),
        "revoked" => Ok(StatusFilter::Revoked),
        _ => Err("must be `active`, `expired` or `revoked`"),
    }
}

impl ListApiKeys {
    /// # Errors
    /// `Forbidden` without `api_keys.read`; `Validation` for a bad limit,
    /// cursor, status, or an environment other than the caller's.
    pub async fn execute(&self, caller: &Principal, query: ListApiKeysQuery) -> Result<Page<ApiKeyView>, ListError> {
        caller.require(Scope::ApiKeysRead)?;
        let listing = query.parse(caller).map_err(ListError::Validation)?;
        let now = self.clock.now();
        let items = self
            .keys
            .list(&ApiKeyQuery {
                organization_id: caller.organization_id,
                environment: caller.environment,
                status: listing.status,
                service_account_id: listing.service_account_id,
                after: listing.page.after,
                limit: listing.page.limit,
                now,
            })
            .await
            .map_err(|e| ListError::Unexpected(Box::new(e)))?;
        Ok(Page::new(items, listing.page.limit, |k| k.id.uuid()).map(|key| ApiKeyView::at(key, now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::MockApiKeyRepository;
    use sesame_domain::Cursor;

    fn use_case(keys: MockApiKeyRepository) -> ListApiKeys {
        let clock = fixed_clock();
        ListApiKeys::new(Arc::new(keys), Arc::new(clock))
    }

    #[tokio::test]
    async fn a_full_page_gives_a_cursor_after_its_last_key() {
        let keys_on_page = vec![active_key(), active_key()];
        let last = keys_on_page[1].id;
        let caller = principal(&["api_keys.read"]);
        let org = caller.organization_id;
        let mut keys = MockApiKeyRepository::new();
        keys.expect_list()
            .withf(move |q| q.organization_id == org && q.environment == Environment::Live && q.limit.get() == 2)
            .returning(move |_| Ok(keys_on_page.clone()));
        let query =
            ListApiKeysQuery { page: PageQuery { limit: Some("2".into()), cursor: None }, ..Default::default() };
        let page = use_case(keys).execute(&caller, query).await.unwrap();
        assert_eq!(page.next_cursor, Some(Cursor::after(last.uuid()).encode()));
    }

    #[tokio::test]
    async fn a_short_page_has_no_cursor() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_list().returning(|_| Ok(vec![active_key()]));
        let page = use_case(keys).execute(&principal(&["api_keys.read"]), ListApiKeysQuery::default()).await.unwrap();
        assert_eq!(page.next_cursor, None);
    }

    #[tokio::test]
    async fn bad_parameters_are_all_named() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_list().never();
        let query = ListApiKeysQuery {
            page: PageQuery { limit: Some("500".into()), cursor: Some("garbage".into()) },
            status: Some("deleted".into()),
            environment: Some("test".into()),
            service_account_id: Some("api_key_0197c0f1-9589-7990-b421-4b806f637b0c".into()),
        };
        let err = use_case(keys).execute(&principal(&["api_keys.read"]), query).await.unwrap_err();
        let ListError::Validation(v) = err else { panic!("expected validation") };
        let fields: Vec<&str> = v.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["limit", "cursor", "status", "environment", "service_account_id"]);
    }

    #[tokio::test]
    async fn listing_needs_api_keys_read() {
        let err = use_case(MockApiKeyRepository::new())
            .execute(&principal(&["api_keys.create"]), ListApiKeysQuery::default())
            .await
            .unwrap_err();
        assert!(matches!(err, ListError::Forbidden(_)));
    }
}
