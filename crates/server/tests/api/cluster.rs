//! Three `sesame serve` processes on one PostgreSQL database: a change made
//! through one reaches the others' caches through LISTEN/NOTIFY.

use std::time::{Duration, Instant};

use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::instances::{client, time_until, Instance};

/// Entries may be served for a long time while disconnected: only a received
/// invalidation can explain a fast `REVOKED` in these tests.
const TRUSTING: [(&str, &str); 1] = [("SESAME__CACHE__DEGRADED_MAX_AGE_MS", "600000")];

/// An empty database and three instances on it, each listening to the others;
/// the first one's root key.
async fn three_instances() -> (TestDatabase, [Instance; 3], String) {
    let database = TestDatabase::new(Backend::Postgres).await;
    let mut first = Instance::spawn(database.url(), &TRUSTING).serving().listening_to_peers();
    let root = first.bootstrapped_root_secret();
    let second = Instance::spawn(database.url(), &TRUSTING).serving().listening_to_peers();
    let third = Instance::spawn(database.url(), &TRUSTING).serving().listening_to_peers();
    (database, [first, second, third], root)
}

#[tokio::test]
async fn a_key_revoked_through_one_instance_is_revoked_on_the_others_within_a_second() {
    let (_database, instances, root) = three_instances().await;
    let client = client();
    let (id, secret) = instances[0].create_key(&client, &root).await;
    for instance in &instances {
        assert_eq!(instance.verify(&client, &secret).await, "VALID", "so that every instance caches it");
    }

    instances[0].revoke(&client, &root, &id).await;

    for instance in &instances[1..] {
        let took = time_until(instance, &client, &secret, "REVOKED", Duration::from_secs(1)).await;
        assert!(took.is_some(), "the instance on port {} still answers VALID after 1 s", instance.port);
    }
}

#[tokio::test]
async fn an_instance_that_cannot_hear_the_others_stops_trusting_its_cache_within_the_degraded_age() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let mut first = Instance::spawn(database.url(), &TRUSTING).serving().listening_to_peers();
    let root = first.bootstrapped_root_secret();
    let degraded_age = Duration::from_millis(1500);
    let mut deaf = Instance::spawn(
        database.url(),
        &[
            ("SESAME__CACHE__DEGRADED_MAX_AGE_MS", "1500"),
            // It stays disconnected for the whole test: a reconnect would clear its cache.
            ("SESAME__DATABASE__LISTENER_RECONNECT_MIN_MS", "600000"),
            ("SESAME__DATABASE__LISTENER_RECONNECT_MAX_MS", "600000"),
        ],
    )
    .serving()
    .listening_to_peers();
    let client = client();
    let (id, secret) = first.create_key(&client, &root).await;
    let cached_at = Instant::now();
    assert_eq!(deaf.verify(&client, &secret).await, "VALID");

    database
        .execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sesame-listener-{}'",
            deaf.pid()
        ))
        .await;
    deaf.wait_for("the cache invalidation listener lost its connection");
    first.revoke(&client, &root, &id).await;

    let deadline = cached_at + degraded_age + Duration::from_millis(500);
    let left = deadline.saturating_duration_since(Instant::now());
    let took = time_until(&deaf, &client, &secret, "REVOKED", left).await;
    assert!(took.is_some(), "still VALID {:?} after it was cached; log:\n{}", cached_at.elapsed(), deaf.log());
    assert!(deaf.log().contains("degraded"), "the degraded state is logged");
}

/// `cargo test -p sesame-server --test api propagation_timings -- --ignored --nocapture`:
/// 50 revocations, each through one of three instances, timed until both
/// others answer `REVOKED` (from the revocation's response). Recorded in
/// docs/benchmarks.md.
#[tokio::test]
#[ignore = "a measurement, not a check: run by hand"]
async fn propagation_timings() {
    let (_database, instances, root) = three_instances().await;
    let client = client();
    let mut timings = Vec::new();
    for round in 0..50 {
        let (id, secret) = instances[0].create_key(&client, &root).await;
        for instance in &instances {
            assert_eq!(instance.verify(&client, &secret).await, "VALID");
        }
        let through = round % 3;
        instances[through].revoke(&client, &root, &id).await;
        let revoked_at = Instant::now();
        for (i, instance) in instances.iter().enumerate() {
            if i != through {
                time_until(instance, &client, &secret, "REVOKED", Duration::from_secs(5))
                    .await
                    .expect("revoked within 5 s");
            }
        }
        timings.push(revoked_at.elapsed());
    }
    timings.sort();
    println!(
        "propagation over {} revocations: median {:?}, max {:?}",
        timings.len(),
        timings[timings.len() / 2],
        timings[timings.len() - 1]
    );
}

#[tokio::test]
async fn two_instances_creating_keys_and_counting_usage_at_once_add_up_exactly() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let fast_flush = [("SESAME__USAGE__FLUSH_INTERVAL_MS", "100")];
    let mut a = Instance::spawn(database.url(), &fast_flush).serving().listening_to_peers();
    let root = a.bootstrapped_root_secret();
    let b = Instance::spawn(database.url(), &fast_flush).serving().listening_to_peers();
    let client = client();
    let (id, secret) = a.create_key(&client, &root).await;

    let uses = |instance: &Instance, n: usize| {
        let (client, secret) = (client.clone(), secret.clone());
        let url = instance.url("/developers/api_keys/verify");
        async move {
            for _ in 0..n {
                let res = client.post(&url).json(&serde_json::json!({"key": secret})).send().await.expect("sent");
                assert_eq!(res.status().as_u16(), 200);
            }
        }
    };
    let creates = |instance: &Instance| {
        let (client, root, url) = (client.clone(), root.clone(), instance.url("/developers/api_keys"));
        async move {
            for _ in 0..5 {
                let res = client.post(&url).bearer_auth(&root).json(&serde_json::json!({"label": "c"})).send().await;
                assert_eq!(res.expect("sent").status().as_u16(), 201);
            }
        }
    };
    tokio::join!(uses(&a, 30), uses(&b, 40), creates(&a), creates(&b));

    let key_url = a.url(&format!("/developers/api_keys/{id}"));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let body: serde_json::Value =
            client.get(&key_url).bearer_auth(&root).send().await.expect("sent").json().await.expect("JSON");
        let total = body["data"]["metrics"]["total_requests"].as_u64().expect("a count");
        assert!(total <= 70, "never more than were made: {total}");
        if total == 70 {
            break;
        }
        assert!(Instant::now() < deadline, "70 uses made, {total} counted after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let list: serde_json::Value = client
        .get(a.url("/developers/api_keys?limit=100"))
        .bearer_auth(&root)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    // The root key, the counted key and ten created at once through both.
    assert_eq!(list["data"]["items"].as_array().map(Vec::len), Some(12), "{list}");
}
