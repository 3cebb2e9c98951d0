//! Starting several instances on one database at once: waiting for it to
//! answer, and one at a time through migrations and bootstrap.

use std::time::Duration;

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection, Postgres};
use sea_orm::sqlx::Connection as _;
use sea_orm::{DatabaseConnection, DbErr};
use thiserror::Error;

use crate::connection::{open_tuned, PoolTuning};
use crate::{Database, DatabaseError, DatabaseSettings};

/// Any fixed number: every Sesame instance of a database takes the same one.
const STARTUP_LOCK: i64 = 0x5345_5341_4d45; // "SESAME"

/// The database could not be opened: at once for a file, or within the
/// start-up wait for a server.
#[derive(Debug, Error)]
#[error("tried {target} {attempts} time(s) over {waited_secs} s")]
pub struct Unreachable {
    /// Host and port (or file), and the URL without its password.
    pub target: String,
    pub waited_secs: u64,
    pub attempts: u32,
    #[source]
    pub cause: DatabaseError,
}

impl Database {
    /// Connects, retrying a PostgreSQL server with a doubling back-off (from
    /// 100 ms, at most 5 s apart) until `wait` has passed: a server that
    /// starts with or after Sesame is waited for; one that never answers
    /// ends start-up with an error naming where it was looked for and why it
    /// failed. A SQLite file is tried once: waiting would not make it
    /// openable.
    ///
    /// # Errors
    /// [`Unreachable`] with the last attempt's error.
    pub async fn connect_waiting(
        settings: &DatabaseSettings,
        tuning: &PoolTuning,
        wait: Duration,
    ) -> Result<Self, Unreachable> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        let mut attempts = 0;
        loop {
            attempts += 1;
            match probe(settings).await.and(open_tuned(settings, tuning).await) {
                Ok(conn) => return Ok(Self { conn }),
                Err(err) if !is_server(&settings.url) || started.elapsed() + delay > wait => {
                    return Err(Unreachable {
                        target: describe(&settings.url),
                        waited_secs: started.elapsed().as_secs(),
                        attempts,
                        cause: DatabaseError::Connect(err),
                    });
                }
                Err(err) => {
                    if attempts == 1 {
                        tracing::warn!(target_db = %describe(&settings.url), cause = %err, "the database does not answer yet; retrying");
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Takes the start-up lock: on PostgreSQL a session advisory lock, so
    /// that of several instances starting at once one migrates (or
    /// bootstraps) while the others wait, then find nothing left to do.
    /// Nothing to take on SQLite, whose writers are serialised anyway.
    ///
    /// # Errors
    /// When the lock cannot be asked for.
    pub async fn startup_lock(&self) -> Result<StartupLock, DatabaseError> {
        let DatabaseConnection::SqlxPostgresPoolConnection(_) = &self.conn else {
            return Ok(StartupLock { conn: None });
        };
        let lock = async {
            let mut conn = self.conn.get_postgres_connection_pool().acquire().await?;
            // Waiting for another instance's migrations is no runaway statement.
            sea_orm::sqlx::query("SET statement_timeout = 0").execute(&mut *conn).await?;
            sea_orm::sqlx::query("SELECT pg_advisory_lock($1)").bind(STARTUP_LOCK).execute(&mut *conn).await?;
            Ok::<_, sea_orm::sqlx::Error>(conn)
        };
        let conn = lock.await.map_err(|e| DatabaseError::Lock(DbErr::Custom(e.to_string())))?;
        Ok(StartupLock { conn: Some(conn) })
    }
}

/// One plain connection first, on PostgreSQL: the pool retries a refused
/// connection until its timeout and then reports only the timeout, while
/// this reports why (refused, unknown host, bad password, no such database).
async fn probe(settings: &DatabaseSettings) -> Result<(), DbErr> {
    if !is_server(&settings.url) {
        return Ok(());
    }
    let fail = |e: sea_orm::sqlx::Error| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e));
    let options = settings.url.parse::<PgConnectOptions>().map_err(fail)?;
    let conn = tokio::time::timeout(settings.connect_timeout, PgConnection::connect_with(&options))
        .await
        .map_err(|_| {
            DbErr::Conn(sea_orm::RuntimeErr::Internal(format!("no answer within {:?}", settings.connect_timeout)))
        })?
        .map_err(fail)?;
    let _ = conn.close().await;
    Ok(())
}

/// Held until [`StartupLock::release`]; a process that dies holding it
/// releases it with its session.
pub struct StartupLock {
    conn: Option<PoolConnection<Postgres>>,
}

impl StartupLock {
    pub async fn release(self) {
        if let Some(conn) = self.conn {
            // Closing the session releases the lock and resets the timeout
            // set above; the pool opens a fresh connection when it needs one.
            let _ = conn.detach().close().await;
        }
    }
}

/// Where `url` points, for an error message: host and port (or the file),
/// then the URL without its password.
pub fn describe(url: &str) -> String {
    let shown = without_password(url);
    if !is_server(url) {
        return shown;
    }
    match url.parse::<PgConnectOptions>() {
        Ok(options) => format!("host {} port {} ({shown})", options.get_host(), options.get_port()),
        Err(_) => shown,
    }
}

/// A PostgreSQL server, reached over the network, rather than a SQLite file.
fn is_server(url: &str) -> bool {
    url.starts_with("postgres")
}

/// `url` without its password, for messages.
pub(crate) fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn a_postgres_target_names_host_and_port_and_hides_the_password() {
        let shown = describe("postgres://sesame:hunter2@db.internal:6432/keys");
        assert_eq!(shown, "host db.internal port 6432 (postgres://sesame:***@db.internal:6432/keys)");
    }

    #[test]
    fn a_postgres_url_without_a_port_names_the_default_one() {
        assert!(describe("postgres://sesame@db/keys").starts_with("host db port 5432 "));
    }
}
