//! `Database` as the readiness probe sees it.

use std::time::Duration;

use sesame_domain::ports::{NotReady, ReadinessCheck};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};
use sesame_persistence::{Database, DatabaseSettings};

on_both_backends!(a_database_is_ready_only_once_every_migration_is_applied);

async fn a_database_is_ready_only_once_every_migration_is_applied(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let settings =
        DatabaseSettings { url: test.url().to_owned(), max_connections: 2, connect_timeout: Duration::from_secs(5) };
    let db = Database::connect(&settings).await.expect("connect");

    let before = db.ready().await;
    assert!(matches!(before, Err(NotReady::MigrationsPending { pending }) if pending > 0), "{before:?}");

    db.migrate().await.expect("migrate");
    db.ready().await.expect("ready once migrated");
}
