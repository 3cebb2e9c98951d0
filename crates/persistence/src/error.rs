use sea_orm::{DbErr, SqlErr};
use sesame_domain::ports::RepositoryError;
use thiserror::Error;

/// A stored row that no longer parses into a domain value.
#[derive(Debug, Error)]
#[error("corrupt row in `{table}`: column `{column}` holds an invalid value")]
pub struct CorruptRow {
    pub table: &'static str,
    pub column: &'static str,
}

pub(crate) fn corrupt(table: &'static str, column: &'static str) -> RepositoryError {
    RepositoryError::unexpected(CorruptRow { table, column })
}

/// Unique violations become `Conflict`, as the ports promise; the rest is
/// unexpected.
pub(crate) fn from_db(err: DbErr) -> RepositoryError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) => RepositoryError::Conflict(detail),
        _ => RepositoryError::unexpected(err),
    }
}
