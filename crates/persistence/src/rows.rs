//! Reading rows as domain values: the fetch-and-convert steps every
//! repository takes, written once.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use sesame_domain::ports::RepositoryError;

use crate::error::from_db;

/// How a repository turns one of its rows into a domain value.
pub(crate) type FromRow<E, T> = fn(<E as EntityTrait>::Model) -> Result<T, RepositoryError>;

/// The row `select` finds, if any, as a domain value.
pub(crate) async fn one<E: EntityTrait, T>(
    select: Select<E>,
    db: &impl ConnectionTrait,
    from_row: FromRow<E, T>,
) -> Result<Option<T>, RepositoryError> {
    select.one(db).await.map_err(from_db)?.map(from_row).transpose()
}

/// Every row `select` finds, as domain values.
pub(crate) async fn all<E: EntityTrait, T>(
    select: Select<E>,
    db: &impl ConnectionTrait,
    from_row: FromRow<E, T>,
) -> Result<Vec<T>, RepositoryError> {
    select.all(db).await.map_err(from_db)?.into_iter().map(from_row).collect()
}

/// One page of keyset pagination, newest first: at most `limit` rows whose
/// id (UUIDv7 text, so ordered by creation) sorts below `after`.
pub(crate) async fn page<E: EntityTrait, T>(
    select: Select<E>,
    id: E::Column,
    after: Option<String>,
    limit: u64,
    db: &impl ConnectionTrait,
    from_row: FromRow<E, T>,
) -> Result<Vec<T>, RepositoryError> {
    let select = match after {
        Some(after) => select.filter(id.lt(after)),
        None => select,
    };
    all(select.order_by_desc(id).limit(limit), db, from_row).await
}
