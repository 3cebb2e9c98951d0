//! Crash safety: a real `sesame serve` is SIGKILLed while creates, updates
//! and revokes are in flight, then started again on the same database. Every
//! write it acknowledged (a 2xx answered before the kill) must be there with
//! exactly its audit event, and no change may be there without its event or
//! an event without its change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Client;
use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::process::{command_on, kill, spawn};

/// Concurrent clients, each creating, updating and revoking its own keys.
const CLIENTS: usize = 12;
/// How long the clients write before the kill.
const WRITE_FOR: Duration = Duration::from_secs(3);

/// What the server acknowledged for one key.
#[derive(Debug, Default, Clone)]
struct Acknowledged {
    updated: bool,
    revoked: bool,
}

#[derive(Default)]
struct Ledger {
    /// Keys whose creation was acknowledged, by id.
    keys: HashMap<String, Acknowledged>,
    requests: usize,
    acknowledged: usize,
    /// Answers that were neither a success nor a broken connection.
    unexpected: Vec<String>,
}

type Shared = Arc<Mutex<Ledger>>;

/// Sends one write; `Some(body)` when the server acknowledged it. A broken
/// connection or an unreadable body (the kill) is no acknowledgement.
async fn write(ledger: &Shared, request: reqwest::RequestBuilder) -> Option<Value> {
    ledger.lock().expect("the ledger").requests += 1;
    let res = request.send().await.ok()?;
    let status = res.status();
    let body: Value = res.json().await.ok()?;
    let mut ledger = ledger.lock().expect("the ledger");
    if status.is_success() {
        ledger.acknowledged += 1;
        Some(body)
    } else {
        ledger.unexpected.push(format!("{status}: {body}"));
        None
    }
}

/// One client: create, update, revoke its own keys until the server dies.
async fn client_writes(client: Client, base: String, root: String, worker: usize, ledger: Shared) {
    for round in 0.. {
        let create = client
            .post(format!("{base}/developers/api_keys"))
            .bearer_auth(&root)
            .json(&json!({"label": format!("crash-{worker}-{round}")}));
        let Some(created) = write(&ledger, create).await else { return };
        let id = created["data"]["id"].as_str().expect("the new key's id").to_owned();
        ledger.lock().expect("the ledger").keys.insert(id.clone(), Acknowledged::default());

        let update = client
            .patch(format!("{base}/developers/api_keys/{id}"))
            .bearer_auth(&root)
            .json(&json!({"label": format!("crash-{worker}-{round}-updated")}));
        if write(&ledger, update).await.is_none() {
            return;
        }
        ledger.lock().expect("the ledger").keys.get_mut(&id).expect("created").updated = true;

        let revoke = client.delete(format!("{base}/developers/api_keys/{id}")).bearer_auth(&root);
        if write(&ledger, revoke).await.is_none() {
            return;
        }
        ledger.lock().expect("the ledger").keys.get_mut(&id).expect("created").revoked = true;
    }
}

/// Every item of a paginated native list, following `next_cursor`.
async fn all_items(client: &Client, url: &str, secret: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client.get(url).bearer_auth(secret).query(&[("limit", "100")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let res = request.send().await.expect("the list request is sent");
        assert_eq!(res.status().as_u16(), 200, "listing {url}");
        let body: Value = res.json().await.expect("a JSON body");
        items.extend(body["data"]["items"].as_array().expect("items").iter().cloned());
        match body["data"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

async fn acknowledged_writes_survive_a_sigkill(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let first = spawn(command_on(database.url()), true);
    let (base, root) = (format!("http://127.0.0.1:{}", first.port), first.root_secret.clone());
    let client = Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("an HTTP client");

    let ledger = Shared::default();
    let mut clients = tokio::task::JoinSet::new();
    for worker in 0..CLIENTS {
        let (client, base, root, ledger) = (client.clone(), base.clone(), root.clone(), ledger.clone());
        clients.spawn(client_writes(client, base, root, worker, ledger));
    }
    tokio::time::sleep(WRITE_FOR).await;
    kill(first);
    while let Some(done) = clients.join_next().await {
        done.expect("a client task");
    }

    let again = spawn(command_on(database.url()), false);
    let base = format!("http://127.0.0.1:{}", again.port);
    let keys = all_items(&client, &format!("{base}/developers/api_keys"), &root).await;
    let events = all_items(&client, &format!("{base}/developers/audit_events"), &root).await;
    kill(again);

    let ledger = ledger.lock().expect("the ledger");
    assert!(ledger.unexpected.is_empty(), "every answer before the kill was a success: {:#?}", ledger.unexpected);
    assert!(ledger.keys.len() >= CLIENTS, "each client had a key acknowledged: {}", ledger.keys.len());

    let stored: HashMap<&str, &Value> = keys.iter().map(|k| (k["id"].as_str().expect("a key id"), k)).collect();
    let mut events_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for event in &events {
        let (action, target) =
            (event["action"].as_str().expect("action"), event["target_id"].as_str().expect("target"));
        if action.starts_with("api_key.") {
            assert!(stored.contains_key(target), "an event without its change: {event}");
            events_of.entry(target).or_default().push(action);
        }
    }
    let count = |id: &str, action: &str| events_of.get(id).map_or(0, |a| a.iter().filter(|&&x| x == action).count());

    // Every stored key written by a client (the root key aside) agrees with its trail.
    let mut written = 0;
    for (id, key) in &stored {
        let label = key["label"].as_str().unwrap_or_default();
        if !label.starts_with("crash-") {
            continue;
        }
        written += 1;
        let (updated, revoked) = (label.ends_with("-updated"), key["status"] == "revoked");
        assert_eq!(count(id, "api_key.created"), 1, "one creation event for {key}");
        assert_eq!(count(id, "api_key.updated"), usize::from(updated), "the update and its event for {key}");
        assert_eq!(count(id, "api_key.revoked"), usize::from(revoked), "the revocation and its event for {key}");
    }
    // Every acknowledged write is there.
    let mut found = 0;
    for (id, acked) in &ledger.keys {
        let key = stored.get(id.as_str()).unwrap_or_else(|| panic!("acknowledged key {id} is lost"));
        found += 1;
        if acked.updated {
            assert!(key["label"].as_str().is_some_and(|l| l.ends_with("-updated")), "update lost: {key}");
            found += 1;
        }
        if acked.revoked {
            assert_eq!(key["status"], "revoked", "revocation lost: {key}");
            found += 1;
        }
    }
    println!(
        "crash safety on {backend:?}: {} requests, 1 SIGKILL, {} writes acknowledged, {found} found; \
         {written} keys stored, {} audit events checked",
        ledger.requests,
        ledger.acknowledged,
        events.len()
    );
    assert_eq!(found, ledger.acknowledged, "every acknowledged write is found");
}

on_both_backends!(acknowledged_writes_survive_a_sigkill);
