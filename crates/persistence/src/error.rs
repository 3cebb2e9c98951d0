use sea_orm::{DbErr, SqlErr};
use sesame_domain::ports::{RepositoryError, StorageUnavailable};
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
        _ if is_unavailable(&err) => RepositoryError::unexpected(StorageUnavailable(Box::new(err))),
        _ => RepositoryError::unexpected(err),
    }
}

/// The database could not be reached or dropped the connection, as opposed
/// to refusing a statement: worth retrying, and nothing was written.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::RuntimeErr;
    let sqlx = match err {
        // No connection could be had, whatever the server said why.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        // SQLSTATE classes 08 (connection exception) and 57 (operator
        // intervention: shutdown, terminated backend, no connections allowed).
        Sqlx::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}
