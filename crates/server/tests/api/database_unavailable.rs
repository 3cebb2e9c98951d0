//! While the database cannot be reached: a cached key still verifies, and
//! everything else answers 503 with `Retry-After` in its dialect's shape,
//! writing nothing; the instance recovers by itself when it returns.

use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::instances::{client, Instance};

/// Status, `Retry-After` and body.
async fn send(request: RequestBuilder) -> (u16, Option<String>, Value) {
    let res = request.send().await.expect("the request is sent");
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap_or_default().to_owned());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

fn assert_unavailable((status, retry, body): &(u16, Option<String>, Value), what: &str) {
    assert_eq!(*status, 503, "{what}: {body}");
    assert_eq!(retry.as_deref(), Some("1"), "{what} says when to retry");
}

#[tokio::test]
async fn without_the_database_requests_answer_503_with_retry_after_in_each_dialect_and_write_nothing() {
    let database = TestDatabase::new(Backend::Postgres).await;
    // A missing connection is waited for 1 s, not the default 5 s.
    let mut instance = Instance::spawn(database.url(), &[("SESAME__DATABASE__ACQUIRE_TIMEOUT_SECS", "1")]).serving();
    let root = instance.bootstrapped_root_secret();
    let client: Client = client();
    let (_, cached) = instance.create_key(&client, &root).await;
    let (_, uncached) = instance.create_key(&client, &root).await;
    assert_eq!(instance.verify(&client, &cached).await, "VALID");
    let keys = instance.url("/developers/api_keys");
    assert_eq!(send(client.get(&keys).bearer_auth(&root)).await.0, 200, "the root key is cached too");

    database.allow_connections(false).await;

    assert_eq!(instance.verify(&client, &cached).await, "VALID", "a cached key keeps verifying");
    let native_write = send(client.post(&keys).bearer_auth(&root).json(&json!({"label": "lost"}))).await;
    assert_unavailable(&native_write, "a native write");
    assert_eq!(native_write.2["status"], 503, "the native envelope");
    assert!(native_write.2["error"].as_str().is_some_and(|e| e.contains("unavailable")), "{}", native_write.2);
    assert_unavailable(&send(client.get(&keys).bearer_auth(&root)).await, "a native read");
    let verify = instance.url("/developers/api_keys/verify");
    assert_unavailable(&send(client.post(&verify).json(&json!({"key": uncached}))).await, "an uncached verify");
    let v1 = send(client.get(instance.url("/v1/api-keys")).bearer_auth(&root)).await;
    assert_unavailable(&v1, "a seed-001 read");
    assert_eq!(v1.2["code"], 503, "seed 001's shape: {}", v1.2);
    let generic = send(client.get(instance.url("/api-keys")).bearer_auth(&root)).await;
    assert_unavailable(&generic, "a seed-003 read");
    assert_eq!(generic.2["code"], "unavailable", "seed 003's shape: {}", generic.2);

    database.allow_connections(true).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let listed = loop {
        let (status, _, body) = send(client.get(&keys).bearer_auth(&root)).await;
        if status == 200 {
            break body;
        }
        assert!(Instant::now() < deadline, "not recovered 10 s after the database returned: {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let labels: Vec<&str> =
        listed["data"]["items"].as_array().expect("a page").iter().filter_map(|k| k["label"].as_str()).collect();
    assert!(!labels.contains(&"lost"), "the refused write wrote nothing: {labels:?}");
    assert_eq!(instance.verify(&client, &uncached).await, "VALID");
}
