//! Usage limits over HTTP: credits spent exactly under concurrency (one
//! process, and two processes on one PostgreSQL), rate limits answered with
//! 429 and the RateLimit fields in every dialect's shape, limits shared by a
//! service account's keys, and Redis-backed limits exact across instances.

use std::time::Duration;

use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::helpers::{spawn_app, TestApp};
use crate::instances::{client, Instance};

/// A key holding `api_keys.read` with `limits` (`rate_limits`, `credits`) merged in.
async fn limited_key(app: &TestApp, limits: Value) -> (String, String) {
    let mut body = json!({"label": "limited", "scopes": ["api_keys.read"]});
    body.as_object_mut().unwrap().extend(limits.as_object().unwrap().clone());
    let data = app.create_key(&body).await;
    (data["id"].as_str().unwrap().to_owned(), data["secret"].as_str().unwrap().to_owned())
}

/// The codes of `n` verifications of `secret` sent at once.
async fn verify_concurrently(app: &TestApp, secret: &str, n: usize) -> (usize, usize) {
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (client, url, body) = (app.client.clone(), app.url("/developers/api_keys/verify"), json!({"key": secret}));
        requests.spawn(async move {
            let res = client.post(url).json(&body).send().await.expect("sent");
            (res.status().as_u16(), res.json::<Value>().await.expect("JSON"))
        });
    }
    let replies = requests.join_all().await;
    let mut valid = 0;
    let mut exceeded = 0;
    for (status, body) in replies {
        assert_eq!(status, 200, "{body}");
        match body["data"]["code"].as_str() {
            Some("VALID") => valid += 1,
            Some("USAGE_EXCEEDED") => exceeded += 1,
            other => panic!("unexpected code {other:?}: {body}"),
        }
    }
    (valid, exceeded)
}

async fn two_hundred_concurrent_verifications_of_fifty_credits_give_exactly_fifty_valid(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = limited_key(&app, json!({"credits": {"remaining": 50}})).await;

    let (valid, exceeded) = verify_concurrently(&app, &secret, 200).await;

    assert_eq!((valid, exceeded), (50, 150));
    assert_eq!(app.native_key(&id).await["credits"]["remaining"], 0);
    let (_, body) = app.verify(&json!({"key": secret, "cost": 0})).await;
    assert_eq!(body["data"]["code"], "VALID", "a cost of 0 looks without spending: {body}");
    assert_eq!(body["data"]["credits"], 0);
}

async fn verify_reports_each_limit_and_refuses_past_the_first_exceeded(backend: Backend) {
    let app = spawn_app(backend).await;
    let limits = json!({"rate_limits": [
        {"name": "burst", "limit": 2, "duration_seconds": 60},
        {"name": "daily", "limit": 100, "duration_seconds": 86400}
    ], "credits": {"remaining": 10}});
    let (_, secret) = limited_key(&app, limits).await;

    let (_, first) = app.verify(&json!({"key": secret})).await;
    let (_, second) = app.verify(&json!({"key": secret, "cost": 1})).await;
    let (_, third) = app.verify(&json!({"key": secret})).await;

    let data = &first["data"];
    assert_eq!(data["code"], "VALID");
    assert_eq!(data["rate_limits"][0]["name"], "burst");
    assert_eq!(data["rate_limits"][0]["remaining"], 1);
    assert_eq!(data["rate_limits"][1]["remaining"], 99);
    assert_eq!(data["credits"], 9);
    assert_eq!(second["data"]["rate_limits"][0]["remaining"], 0);
    let data = &third["data"];
    assert_eq!((data["valid"].clone(), data["code"].clone()), (json!(false), json!("RATE_LIMITED")), "{third}");
    assert_eq!(data["rate_limits"][1]["remaining"], 98, "a refused request spends on no limit");
    assert_eq!(data["credits"], Value::Null, "credits are not reached by a rate-limited request");
    let (_, plain) = app.verify(&json!({"key": app.root_secret})).await;
    assert!(plain["data"].get("rate_limits").is_none() && plain["data"].get("credits").is_none(), "{plain}");
}

async fn a_service_accounts_limit_is_shared_by_its_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .post(
            "/developers/service_accounts",
            &app.root_secret,
            &json!({"name": "customer", "rate_limits": [{"name": "shared", "limit": 3, "duration_seconds": 60}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let account = body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["data"]["rate_limits"][0]["limit"], 3);
    let (_, a) = limited_key(&app, json!({"service_account_id": account})).await;
    let (_, b) = limited_key(&app, json!({"service_account_id": account})).await;

    let mut codes = Vec::new();
    for secret in [&a, &b, &a, &b] {
        codes.push(app.verify(&json!({"key": secret})).await.1["data"]["code"].as_str().unwrap().to_owned());
    }

    assert_eq!(codes, ["VALID", "VALID", "VALID", "RATE_LIMITED"]);
}

async fn a_service_accounts_new_limits_apply_at_once_to_its_cached_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let account = app.create_service_account(&app.root_secret, "customer").await["id"].as_str().unwrap().to_owned();
    let (_, secret) = limited_key(&app, json!({"service_account_id": account})).await;
    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "VALID", "now cached, unlimited");
    let path = format!("/developers/service_accounts/{account}");

    let (status, body) = app.patch(&path, &app.root_secret, &json!({"credits": {"remaining": 1}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["credits"]["remaining"], 1);

    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["credits"], 0);
    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "USAGE_EXCEEDED");
    let (status, _) = app.patch(&path, &app.root_secret, &json!({"credits": null})).await;
    assert_eq!(status, 200);
    let (_, again) = app.verify(&json!({"key": secret})).await;
    assert_eq!(again["data"]["code"], "VALID", "{again}");
    let (status, body) = app
        .patch(&path, &app.root_secret, &json!({"rate_limits": [{"name": "x", "limit": 0, "duration_seconds": 1}]}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["validator"].get("rate_limits[0].limit").is_some(), "{body}");
}

async fn bad_limits_and_credits_are_422s_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (json!({"rate_limits": [{"name": "a", "limit": 0, "duration_seconds": 60}]}), "rate_limits[0].limit"),
        (json!({"rate_limits": [{"name": "a", "limit": 5, "duration_seconds": 0}]}), "rate_limits[0].duration_seconds"),
        (
            json!({"rate_limits": [{"name": "a", "limit": 5, "duration_seconds": 2_592_001}]}),
            "rate_limits[0].duration_seconds",
        ),
        (json!({"credits": {"remaining": -1}}), "credits.remaining"),
        (
            json!({"credits": {"remaining": 1, "refill": {"amount": 1, "interval": "weekly"}}}),
            "credits.refill.interval",
        ),
        (
            json!({"credits": {"remaining": 1, "refill": {"amount": 1, "interval": "monthly", "refill_day": 32}}}),
            "credits.refill.refill_day",
        ),
    ];
    for (limits, field) in cases {
        let mut body = json!({"label": "bad"});
        body.as_object_mut().unwrap().extend(limits.as_object().unwrap().clone());
        let (status, reply) = app.post("/developers/api_keys", &app.root_secret, &body).await;
        assert_eq!(status, 422, "{body}: {reply}");
        assert!(reply["validator"].get(field).is_some(), "{field} is named: {reply}");
    }
    let (status, reply) = app.verify(&json!({"key": app.root_secret, "cost": -1})).await;
    assert_eq!(status, 422, "{reply}");
}

async fn credits_are_set_incremented_and_decremented_with_an_audit_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, secret) = limited_key(&app, json!({})).await;
    let path = format!("/developers/api_keys/{id}/credits");

    let (status, body) = app.post(&path, &app.root_secret, &json!({"op": "increment", "amount": 5})).await;
    assert_eq!(status, 422, "a key without credits cannot be incremented: {body}");
    let set = app.post(&path, &app.root_secret, &json!({"op": "set", "amount": 2})).await;
    assert_eq!(set.1["data"]["remaining"], 2, "{}", set.1);
    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["credits"], 1, "the key now has credits");
    let up = app.post(&path, &app.root_secret, &json!({"op": "increment", "amount": 10})).await;
    assert_eq!(up.1["data"]["remaining"], 11);
    let down = app.post(&path, &app.root_secret, &json!({"op": "decrement", "amount": 100})).await;
    assert_eq!(down.1["data"]["remaining"], 0, "a decrement stops at zero");
    assert_eq!(app.verify(&json!({"key": secret})).await.1["data"]["code"], "USAGE_EXCEEDED");

    let (_, events) = app.get("/developers/audit_events", &app.root_secret).await;
    let changes = events["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "api_key.credits_changed" && e["target_id"] == id.as_str())
        .count();
    assert_eq!(changes, 3, "{events}");
}

/// One request per dialect, as a key authenticates to that dialect.
fn dialect_requests(app: &TestApp) -> [(&'static str, String); 4] {
    [
        ("native", "/developers/api_keys".to_owned()),
        ("v1", "/v1/api-keys".to_owned()),
        ("generic", "/api-keys".to_owned()),
        ("accounts", format!("/v1/api-keys/?account_id={}", app.organization_id)),
    ]
}

async fn an_over_limit_key_gets_429_with_ratelimit_fields_in_each_dialect_then_is_served_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut keys = Vec::new();
    for (dialect, path) in dialect_requests(&app) {
        let limit = json!({"rate_limits": [{"name": "burst", "limit": 1, "duration_seconds": 2}]});
        let (_, secret) = limited_key(&app, limit).await;
        let first = app.send(reqwest::Method::GET, &path, Some(&secret), None).await;
        assert_eq!(first.status, 200, "{dialect}: {}", first.text);
        keys.push((dialect, path, secret));
    }

    for (dialect, path, secret) in &keys {
        let refused = app.send(reqwest::Method::GET, path, Some(secret), None).await;
        assert_eq!(refused.status, 429, "{dialect}: {}", refused.text);
        let retry_after: u64 = refused.header("retry-after").parse().unwrap();
        assert!((1..=2).contains(&retry_after), "{dialect}: Retry-After {retry_after}");
        assert_eq!(refused.header("ratelimit-policy"), "\"burst\";q=1;w=2", "{dialect}");
        assert!(refused.header("ratelimit").starts_with("\"burst\";r=0;t="), "{dialect}");
        let body = &refused.body;
        match *dialect {
            "native" => assert_eq!(body["status"], 429, "{body}"),
            "v1" => assert_eq!(body["code"], 429, "{body}"),
            "generic" => assert_eq!(body["code"], "rate_limited", "{body}"),
            _ => assert_eq!((body["success"].clone(), body["error"]["code"].clone()), (json!(false), json!(429))),
        }
    }

    tokio::time::sleep(Duration::from_millis(2100)).await;

    for (dialect, path, secret) in &keys {
        let again = app.send(reqwest::Method::GET, path, Some(secret), None).await;
        assert_eq!(again.status, 200, "{dialect} after the window: {}", again.text);
    }
}

on_both_backends!(
    two_hundred_concurrent_verifications_of_fifty_credits_give_exactly_fifty_valid,
    verify_reports_each_limit_and_refuses_past_the_first_exceeded,
    a_service_accounts_limit_is_shared_by_its_keys,
    a_service_accounts_new_limits_apply_at_once_to_its_cached_keys,
    bad_limits_and_credits_are_422s_naming_the_field,
    credits_are_set_incremented_and_decremented_with_an_audit_event,
    an_over_limit_key_gets_429_with_ratelimit_fields_in_each_dialect_then_is_served_again,
);

/// A key created through `instance` with `root` and the given limits.
async fn key_through(instance: &Instance, root: &str, limits: Value) -> String {
    let mut body = json!({"label": "shared"});
    body.as_object_mut().unwrap().extend(limits.as_object().unwrap().clone());
    let res = client().post(instance.url("/developers/api_keys")).bearer_auth(root).json(&body).send().await;
    let reply: Value = res.expect("sent").json().await.expect("JSON");
    reply["data"]["secret"].as_str().unwrap_or_else(|| panic!("no secret in {reply}")).to_owned()
}

/// `n` verifications spread over `instances`, all at once: the codes.
async fn codes_over(instances: &[&Instance], secret: &str, n: usize) -> Vec<String> {
    let client = client();
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url) = (client.clone(), instances[i % instances.len()].url("/developers/api_keys/verify"));
        let body = json!({"key": secret});
        requests.spawn(async move {
            let res = client.post(url).json(&body).send().await.expect("sent");
            let body: Value = res.json().await.expect("JSON");
            body["data"]["code"].as_str().unwrap_or_else(|| panic!("no code: {body}")).to_owned()
        });
    }
    requests.join_all().await
}

fn count(codes: &[String], code: &str) -> usize {
    codes.iter().filter(|c| *c == code).count()
}

#[tokio::test]
async fn credits_are_exact_across_two_instances_on_one_postgres() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let mut first = Instance::spawn(database.url(), &[]).serving();
    let root = first.bootstrapped_root_secret();
    let second = Instance::spawn(database.url(), &[]).serving();
    let secret = key_through(&first, &root, json!({"credits": {"remaining": 50}})).await;

    let codes = codes_over(&[&first, &second], &secret, 200).await;

    assert_eq!((count(&codes, "VALID"), count(&codes, "USAGE_EXCEEDED")), (50, 150));
}

#[tokio::test]
async fn a_redis_limit_of_100_a_minute_admits_exactly_100_of_300_requests_over_two_instances() {
    let database = TestDatabase::new(Backend::Postgres).await;
    // Each run counts under its own prefix: runs never share a window.
    let prefix = format!("sesame-test:{}:", uuid::Uuid::new_v4());
    let env = [("SESAME__LIMITS__STORE", "redis"), ("SESAME__LIMITS__REDIS_KEY_PREFIX", prefix.as_str())];
    let mut first = Instance::spawn(database.url(), &env).serving();
    let root = first.bootstrapped_root_secret();
    let second = Instance::spawn(database.url(), &env).serving();
    let limit = json!({"rate_limits": [{"name": "default", "limit": 100, "duration_seconds": 60}]});
    let secret = key_through(&first, &root, limit).await;

    let codes = codes_over(&[&first, &second], &secret, 300).await;

    assert_eq!((count(&codes, "VALID"), count(&codes, "RATE_LIMITED")), (100, 200));
}

#[tokio::test]
async fn an_unreachable_redis_falls_back_to_memory_limits_logged_and_counted() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    // Nothing listens on port 1.
    let env = [("SESAME__LIMITS__STORE", "redis"), ("SESAME__LIMITS__REDIS_URL", "redis://127.0.0.1:1")];
    let mut instance = Instance::spawn(database.url(), &env).serving();
    let root = instance.bootstrapped_root_secret();
    let limit = json!({"rate_limits": [{"name": "default", "limit": 2, "duration_seconds": 60}]});
    let secret = key_through(&instance, &root, limit).await;

    let codes = codes_over(&[&instance], &secret, 3).await;

    let verdicts = (count(&codes, "VALID"), count(&codes, "RATE_LIMITED"));
    assert_eq!(verdicts, (2, 1), "limited in memory, never open, never 5xx: {codes:?}");
    let metrics = client().get(instance.url("/metrics")).send().await.expect("sent").text().await.expect("text");
    assert!(metrics.contains("sesame_rate_limit_fallbacks_total 3"), "{metrics}");
    let log = instance.log();
    assert_eq!(log.matches("limits fall back to this instance's memory").count(), 1, "logged once:\n{log}");
}
