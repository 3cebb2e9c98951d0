//! The page a listing asks for, as every dialect's query string spells it.

use serde::Deserialize;
use sesame_application::support::PageQuery;
use utoipa::IntoParams;

/// `limit` and `cursor`: keyset pagination, newest first. A listing that
/// takes more parameters flattens these into its own (and documents both).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 20).
    // Read as text, so that a bad value is told in the dialect's shape.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor` (`nextCursor` in camelCase dialects).
    pub cursor: Option<String>,
}

impl From<PageParams> for PageQuery {
    fn from(params: PageParams) -> Self {
        // `cursor=` with no value asks for the first page, as no cursor does.
        PageQuery { limit: params.limit, cursor: params.cursor.filter(|c| !c.is_empty()) }
    }
}
