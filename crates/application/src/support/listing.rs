//! Keyset pagination shared by every listing.

use sesame_domain::{Cursor, Forbidden, PageLimit};
use thiserror::Error;

use crate::support::validation::ValidationErrors;
use crate::Unexpected;

/// One page and where the next one starts. `next_cursor` is set when the
/// page is full; the page after it may then be empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, limit: PageLimit, cursor_of: impl Fn(&T) -> uuid::Uuid) -> Self {
        let next_cursor = if items.len() == limit.get() as usize {
            items.last().map(|last| Cursor::after(cursor_of(last)).encode())
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

#[derive(Debug, Error)]
pub enum ListError {
    #[error("invalid request: {0}")]
    Validation(ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("listing failed")]
    Unexpected(#[source] Unexpected),
}

/// Parses `limit` (default 20, at most 100) and `cursor` as received.
pub(crate) fn parse_page(
    errors: &mut ValidationErrors,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> (Option<PageLimit>, Option<Option<Cursor>>) {
    let limit = match limit {
        None => Some(PageLimit::DEFAULT),
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(n) => errors.check("limit", PageLimit::parse(n)),
            Err(_) => {
                errors.add("limit", format!("must be a whole number between 1 and {}", PageLimit::MAX));
                None
            }
        },
    };
    let cursor = match cursor {
        None => Some(None),
        Some(raw) => errors.check("cursor", Cursor::parse(raw)).map(Some),
    };
    (limit, cursor)
}
