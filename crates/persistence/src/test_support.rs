//! A fresh database per test, on either backend, gone when the test ends:
//! one implementation for this crate's repository tests and the server's
//! HTTP tests. Enabled by the `test-support` feature.
//!
//! The PostgreSQL variants need a server on which they may create and drop
//! databases: [`DEFAULT_DATABASE_URL`] unless [`DATABASE_URL_VAR`] names
//! another. They fail, never skip, when it cannot be reached: a skipped
//! backend would look like a passing one.

use std::error::Error;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use tempfile::TempDir;

use crate::connection::open;
use crate::startup::without_password as redact;
use crate::{Database, DatabaseSettings};

/// Where the PostgreSQL tests find a server they may create databases on.
pub const DATABASE_URL_VAR: &str = "SESAME_TEST_DATABASE_URL";
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Generates `sqlite::<scenario>` and `postgres::<scenario>` tests for each
/// `async fn <scenario>(backend: Backend)` of the calling module. The caller
/// needs `tokio` (with `macros` and `rt`) for `#[tokio::test]`.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        $crate::on_both_backends!(@module sqlite, Sqlite: $($scenario),+);
        $crate::on_both_backends!(@module postgres, Postgres: $($scenario),+);
    };
    (@module $module:ident, $backend:ident: $($scenario:ident),+) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario($crate::test_support::Backend::$backend).await
                }
            )+
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of its own for one test, removed when the value is dropped.
pub struct TestDatabase {
    url: String,
    place: Place,
}

enum Place {
    /// The file lives (and dies) inside the directory.
    Sqlite { _dir: TempDir },
    /// A database of its own on the server, dropped on `Drop`.
    Postgres { admin_url: String, database: String },
}

impl TestDatabase {
    /// An empty database, without tables: for an application that migrates
    /// it itself. A SQLite file is only named here; it is created on first
    /// connection.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary directory for the SQLite file");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("sesame.db").display());
                Self { url, place: Place::Sqlite { _dir: dir } }
            }
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A database with every migration applied, and a pool on it. Keep the
    /// `TestDatabase` alive as long as the pool is used: dropping it drops
    /// the database.
    pub async fn migrated(backend: Backend) -> (Self, Database) {
        let test = Self::new(backend).await;
        // A panic from here on drops `test`, and the database with it.
        let db = Database::connect(&settings(&test.url))
            .await
            .unwrap_or_else(|e| panic!("open the test database {}: {}", redact(&test.url), chain(&e)));
        db.migrate().await.unwrap_or_else(|e| panic!("migrate the test database: {}", chain(&e)));
        (test, db)
    }

    /// The URL to connect to, e.g. to start the application on it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `sql` on its own connection, e.g. to break the schema under a
    /// running server. Panics when it fails.
    pub async fn execute(&self, sql: &str) {
        let result = async {
            let conn = open(&settings(&self.url)).await?;
            conn.execute_unprepared(sql).await?;
            conn.close().await
        }
        .await;
        if let Err(e) = result {
            panic!("run `{sql}` on {}: {e}", redact(&self.url));
        }
    }

    /// PostgreSQL only: refuses (`false`) or allows new connections to this
    /// database, closing the open ones when refusing: to a server running on
    /// it, the database is gone until it is allowed again.
    pub async fn allow_connections(&self, allowed: bool) {
        let Place::Postgres { admin_url, database } = &self.place else {
            panic!("allow_connections is for PostgreSQL test databases");
        };
        let mut sql = vec![format!("ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS {allowed}")];
        if !allowed {
            sql.push(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            ));
        }
        let admin =
            open(&settings(admin_url)).await.unwrap_or_else(|e| panic!("connect to {}: {e}", redact(admin_url)));
        for statement in sql {
            admin.execute_unprepared(&statement).await.unwrap_or_else(|e| panic!("run `{statement}`: {e}"));
        }
        let _ = admin.close().await;
    }

    /// A fresh database on the PostgreSQL server named by [`DATABASE_URL_VAR`].
    async fn postgres() -> Self {
        let admin_url = std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
        let admin = open(&settings(&admin_url)).await.unwrap_or_else(|e| {
            panic!(
                "cannot reach PostgreSQL at {shown}: {e}\n\
                 The PostgreSQL variants of these tests need a server on which they may create and drop \
                 databases. Start one, or point the tests at one with \
                 {DATABASE_URL_VAR}=postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: {DEFAULT_DATABASE_URL}).",
                shown = redact(&admin_url),
            )
        });
        // UUIDv7: leftovers of interrupted runs sort by age.
        let database = format!("sesame_test_{}", uuid::Uuid::now_v7().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
            .await
            .unwrap_or_else(|e| panic!("create database {database} on {}: {e}", redact(&admin_url)));
        admin.close().await.expect("close the administrative connection");
        let url = with_database(&admin_url, &database);
        Self { url, place: Place::Postgres { admin_url, database } }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Place::Postgres { admin_url, database } = &self.place {
            drop_postgres_database(admin_url.clone(), database.clone());
        }
    }
}

fn settings(url: &str) -> DatabaseSettings {
    DatabaseSettings { url: url.to_owned(), max_connections: 4, connect_timeout: Duration::from_secs(5) }
}

/// Drops the database from a thread with its own runtime: `Drop` cannot
/// await, and the test's runtime may be single-threaded. Never panics, so a
/// failing test still reports its own failure.
fn drop_postgres_database(admin_url: String, database: String) {
    let dropping = std::thread::Builder::new().name("drop-test-database".into()).spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let admin = open(&settings(&admin_url)).await.map_err(|e| e.to_string())?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"))
                .await
                .map_err(|e| format!("drop database {database}: {e}"))?;
            admin.close().await.map_err(|e| e.to_string())
        })
    });
    match dropping.map(std::thread::JoinHandle::join) {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => eprintln!("warning: could not drop the test database: {e}"),
        Ok(Err(_)) => eprintln!("warning: the thread dropping the test database panicked"),
        Err(e) => eprintln!("warning: could not start a thread to drop the test database: {e}"),
    }
}

/// The error and its causes on one line: the persistence errors leave their
/// cause out of their own message.
fn chain(err: &dyn Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// `url` with its path (the database name) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;
    use crate::startup::without_password as redact;

    #[test]
    fn the_database_name_replaces_the_path_of_the_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "t1"), "postgres://u:p@h/t1?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "t1"), "postgres://h:5432/t1");
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
