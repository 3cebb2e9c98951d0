//! Start-up of several instances at once, and of one whose database is not there.

use std::process::Command;
use std::time::{Duration, Instant};

use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::instances::{client, Instance};

#[tokio::test]
async fn three_instances_started_at_once_on_an_empty_database_all_serve_one_organization() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let spawned: Vec<Instance> = (0..3).map(|_| Instance::spawn(database.url(), &[])).collect();
    let mut serving: Vec<Instance> = spawned.into_iter().map(Instance::serving).collect();

    // The banners' pipes are read apart from the logs': give them time to arrive.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut roots: Vec<String> = Vec::new();
    while roots.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        roots = serving.iter_mut().filter_map(Instance::root_secret).collect();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let roots: Vec<String> = serving.iter_mut().filter_map(Instance::root_secret).collect();
    assert_eq!(roots.len(), 1, "exactly one start bootstraps the empty database");
    let client = client();
    for instance in &serving {
        let res = client.get(instance.url("/developers/api_keys")).bearer_auth(&roots[0]).send().await;
        assert_eq!(res.expect("sent").status().as_u16(), 200, "every instance serves the one root key");
        assert_eq!(client.get(instance.url("/readyz")).send().await.expect("sent").status().as_u16(), 200);
    }
}

#[tokio::test]
async fn a_start_whose_database_never_answers_ends_naming_host_port_and_cause_but_no_password() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_sesame"))
        // Port 1: nothing listens there, so every attempt is refused at once.
        .env("SESAME__DATABASE__URL", "postgres://sesame:hunter2-secret@127.0.0.1:1/sesame")
        .env("SESAME__DATABASE__STARTUP_WAIT_SECS", "2")
        .env("SESAME__SERVER__BIND", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(took >= Duration::from_millis(1500), "it retried for the start-up wait, not once: {took:?}");
    assert!(took < Duration::from_secs(20), "the wait is bounded: {took:?}");
    assert!(stderr.contains("host 127.0.0.1 port 1"), "{stderr}");
    assert!(stderr.to_lowercase().contains("connection refused"), "the cause is named: {stderr}");
    assert!(!stderr.contains("hunter2-secret"), "the password is never shown: {stderr}");
}
