//! `/healthz`, `/readyz` and `/metrics` of the real binary: no key needed,
//! nothing about keys revealed.

use std::process::Command;
use std::time::{Duration, Instant};

use prom_text_format_parser::{Scrape, ValueType};
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::instances::{client, Instance};

async fn get(url: &str) -> (u16, String) {
    let res = client().get(url).send().await.expect("the request is sent");
    let status = res.status().as_u16();
    (status, res.text().await.expect("a body"))
}

/// The first instance on a fresh database, with its root key.
async fn first_instance(backend: Backend, env: &[(&str, &str)]) -> (TestDatabase, Instance, String) {
    let database = TestDatabase::new(backend).await;
    let mut instance = Instance::spawn(database.url(), env).serving();
    let root = instance.bootstrapped_root_secret();
    (database, instance, root)
}

#[tokio::test]
async fn the_probes_answer_without_a_key() {
    let (_database, instance, _) = first_instance(Backend::Sqlite, &[]).await;
    assert_eq!(get(&instance.url("/healthz")).await, (200, r#"{"status":"ok"}"#.to_owned()));
    assert_eq!(get(&instance.url("/readyz")).await, (200, r#"{"status":"ready"}"#.to_owned()));
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_label_routes_by_template_and_hold_no_secret() {
    let (_database, instance, root) = first_instance(Backend::Postgres, &[]).await;
    let client = client();
    let (id, secret) = instance.create_key(&client, &root).await;
    assert_eq!(instance.verify(&client, &secret).await, "VALID", "a miss, then cached");
    assert_eq!(instance.verify(&client, &secret).await, "VALID", "a hit");
    let res = client.get(instance.url(&format!("/developers/api_keys/{id}"))).bearer_auth(&root).send().await;
    assert_eq!(res.expect("sent").status().as_u16(), 200);

    let (status, text) = get(&instance.url("/metrics")).await;
    assert_eq!(status, 200);
    for secret_or_id in [&secret, &root, &id] {
        assert!(!text.contains(secret_or_id.as_str()), "the metrics name `{secret_or_id}`");
    }
    let scrape = Scrape::parse(&text).unwrap_or_else(|e| panic!("not Prometheus text ({e:?}):\n{text}"));
    // A counter's or gauge's value, or a histogram's count.
    let value = |metric: &str, labels: &[(&str, &str)]| -> Option<f64> {
        let metric = scrape.metrics.iter().find(|m| m.name == metric)?;
        metric
            .samples
            .iter()
            .filter(|s| s.value.value_type != ValueType::Sum)
            .filter(|s| s.labels.iter().all(|l| l.key != "le") || s.value.value_type == ValueType::Count)
            .find(|s| labels.iter().all(|(k, v)| s.labels.iter().any(|l| l.key == *k && l.value == *v)))
            .map(|s| s.value.value.as_f64())
    };
    let by_template = [("method", "GET"), ("route", "/developers/api_keys/{id}"), ("status", "200")];
    assert_eq!(value("sesame_http_requests_total", &by_template), Some(1.0), "{text}");
    let verify = [("method", "POST"), ("route", "/developers/api_keys/verify"), ("status", "200")];
    assert_eq!(value("sesame_http_requests_total", &verify), Some(2.0), "a route without parameters, twice: {text}");
    let routes =
        scrape.metrics.iter().flat_map(|m| &m.samples).flat_map(|s| s.labels.iter()).filter(|l| l.key == "route");
    assert!(routes.clone().all(|l| !l.value.contains("api_key_")), "no raw path is a label");
    assert!(routes.clone().count() > 0);
    assert!(value("sesame_http_request_duration_seconds", &[("route", "/developers/api_keys/{id}")]).is_some());
    assert_eq!(
        value("sesame_key_checks_total", &[("code", "VALID")]),
        Some(4.0),
        "two verifies, two root-key requests"
    );
    assert!(value("sesame_cache_hits_total", &[]).is_some_and(|v| v >= 1.0));
    assert!(value("sesame_cache_misses_total", &[]).is_some_and(|v| v >= 1.0));
    assert!(value("sesame_cache_entries", &[]).is_some_and(|v| v >= 1.0));
    assert_eq!(value("sesame_invalidation_listener_connected", &[]), Some(1.0));
    assert!(value("sesame_db_pool_connections", &[("state", "idle")]).is_some());
    assert!(value("sesame_db_pool_connections", &[("state", "in_use")]).is_some());
    assert!(value("sesame_argon2_duration_seconds", &[("operation", "verify")]).is_some_and(|n| n >= 1.0));
    assert!(value("sesame_argon2_queue_wait_seconds", &[("operation", "hash")]).is_some_and(|n| n >= 1.0));
    assert!(value("sesame_usage_flush_keys", &[]).is_some(), "the flusher ran at start");
}

#[tokio::test]
async fn readyz_is_503_while_the_database_is_gone_and_200_when_it_returns() {
    let (database, instance, _) = first_instance(Backend::Postgres, &[]).await;
    assert_eq!(get(&instance.url("/readyz")).await.0, 200);

    database.allow_connections(false).await;
    let (status, body) = get(&instance.url("/readyz")).await;
    assert_eq!((status, body.as_str()), (503, r#"{"status":"not_ready"}"#), "the cause is logged, not answered");
    assert_eq!(get(&instance.url("/healthz")).await.0, 200, "the process is still alive");

    database.allow_connections(true).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&instance.url("/readyz")).await.0 != 200 {
        assert!(Instant::now() < deadline, "still not ready 10 s after the database returned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readyz_is_503_while_a_stopping_instance_drains_and_requests_are_still_served() {
    let (_database, instance, root) = first_instance(Backend::Sqlite, &[("SESAME__SERVER__DRAIN_SECS", "3")]).await;
    let status = Command::new("kill").args(["-TERM", &instance.pid().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(2);
    while get(&instance.url("/readyz")).await.0 != 503 {
        assert!(Instant::now() < deadline, "/readyz never said 503 after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(get(&instance.url("/readyz")).await.1, r#"{"status":"draining"}"#);
    let res = client().get(instance.url("/developers/api_keys")).bearer_auth(&root).send().await;
    assert_eq!(res.expect("still served while draining").status().as_u16(), 200);
}
