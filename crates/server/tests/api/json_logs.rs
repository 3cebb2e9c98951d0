//! The log of the real binary: in JSON, every line an object and every line
//! of a request carrying its id; at any level, no secret.

use std::process::Command;

use serde_json::{json, Value};
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::instances::{client, Instance};

#[tokio::test]
async fn at_trace_level_in_json_no_secret_is_logged_and_a_requests_lines_carry_its_id() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let mut instance =
        Instance::spawn(database.url(), &[("SESAME__LOGGING__FORMAT", "json"), ("RUST_LOG", "trace")]).serving();
    let root = instance.bootstrapped_root_secret();
    let client = client();
    let created = client
        .post(instance.url("/developers/api_keys"))
        .bearer_auth(&root)
        .json(&json!({"label": "logged"}))
        .send()
        .await
        .expect("sent");
    let request_id = created.headers()["x-request-id"].to_str().expect("an id").to_owned();
    let body: Value = created.json().await.expect("JSON");
    let (id, first) =
        (body["data"]["id"].as_str().unwrap().to_owned(), body["data"]["secret"].as_str().unwrap().to_owned());
    assert_eq!(instance.verify(&client, &first).await, "VALID");
    let rotated: Value = client
        .post(instance.url(&format!("/developers/api_keys/{id}/rotate")))
        .bearer_auth(&root)
        .json(&json!({}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let second = rotated["data"]["secret"].as_str().unwrap_or_else(|| panic!("a new secret: {rotated}")).to_owned();
    instance.revoke(&client, &root, &id).await;
    let killed = Command::new("kill").args(["-TERM", &instance.pid().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    instance.wait_for("usage flushed on shutdown");
    let log = instance.logged();

    let stderr_lines: Vec<&str> = log.lines().collect();
    assert!(stderr_lines.len() > 20, "a trace-level log: {log}");
    for line in &stderr_lines {
        let _: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    for secret in [&root, &first, &second] {
        assert!(!log.contains(secret.as_str()), "a secret is in the log");
    }
    let of_the_create = stderr_lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["spans"].as_array().is_some_and(|s| s.iter().any(|s| s["request_id"] == request_id.as_str())))
        .count();
    assert!(of_the_create >= 1, "the create's lines carry its request id");
}
