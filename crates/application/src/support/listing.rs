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
    /// The same page with each item turned into `f(item)`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }

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

/// A page as a client asks for it: `limit` and `cursor` as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Which page a listing asks for: its size, and the cursor it starts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: PageLimit,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// Parses `limit` (default 20, at most 100) and `cursor` as received,
    /// recording each problem under its name.
    pub fn parse(errors: &mut ValidationErrors, query: &PageQuery) -> Option<Self> {
        let limit = match query.limit.as_deref() {
            None => Some(PageLimit::DEFAULT),
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) => errors.check("limit", PageLimit::parse(n)),
                Err(_) => {
                    errors.add("limit", format!("must be a whole number between 1 and {}", PageLimit::MAX));
                    None
                }
            },
        };
        let after = match query.cursor.as_deref() {
            None => Some(None),
            Some(raw) => errors.check("cursor", Cursor::parse(raw)).map(Some),
        };
        Some(Self { limit: limit?, after: after? })
    }

    /// As [`PageRequest::parse`], for a listing with no other parameter.
    ///
    /// # Errors
    /// `limit` or `cursor`, named.
    pub fn parse_alone(query: &PageQuery) -> Result<Self, ListError> {
        let mut errors = ValidationErrors::new();
        let page = Self::parse(&mut errors, query);
        errors.finish(|| page).map_err(ListError::Validation)
    }
}
