//! The real `sesame` binary as an operator runs it: a process of its own,
//! settings from the environment, stopped by a signal.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;
use sesame_persistence::{Database, DatabaseSettings};

/// A running `sesame serve` on a SQLite file, with what its first start
/// printed: the root key's organization and secret, and its port. Killed
/// when dropped, so a failing test leaves no server behind.
pub(crate) struct Process {
    child: Child,
    pub(crate) port: u16,
    pub(crate) organization_id: String,
    pub(crate) root_secret: String,
    /// Kept open: a child writing to a closed pipe would fail.
    output: (mpsc::Receiver<String>, mpsc::Receiver<String>),
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// The line of `lines` that contains `marker`, within 60 s.
fn wait_for(lines: &mpsc::Receiver<String>, marker: &str) -> String {
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains(marker) => return line,
            Ok(_) => {}
            Err(err) => panic!("the server never printed `{marker}`: {err}"),
        }
    }
}

/// Every line `read` gives, on a channel, from a thread of its own.
pub(crate) fn lines_of(read: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(read).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// The word after `label` on `line`.
fn value_after(line: &str, label: &str) -> String {
    line.split(label).nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap_or_default().to_owned()
}

/// The settings every test process runs with, on the SQLite file `database`.
pub(crate) fn command(database: &Path) -> Command {
    command_on(&sqlite_url(database))
}

/// The settings every test process runs with, on the database at `url`
/// (SQLite or PostgreSQL).
pub(crate) fn command_on(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sesame"));
    command
        .env("SESAME__DATABASE__URL", url)
        .env("SESAME__SERVER__BIND", "127.0.0.1:0")
        .env("SESAME__SERVER__WORKERS", "1")
        .env("SESAME__HASHING__MEMORY_KIB", "256")
        .env("SESAME__HASHING__ITERATIONS", "1")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info");
    command
}

/// The first start of an empty database: waits for the root key's banner.
pub(crate) fn start(database: &Path) -> Process {
    start_serving(database, true)
}

fn start_serving(database: &Path, first: bool) -> Process {
    spawn(command(database), first)
}

/// Starts `command`; on the `first` start of an empty database, waits for
/// the root key's banner too.
pub(crate) fn spawn(mut command: Command, first: bool) -> Process {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the sesame binary starts");
    let stdout = lines_of(child.stdout.take().expect("stdout"));
    let stderr = lines_of(child.stderr.take().expect("stderr"));
    let (organization_id, root_secret) = if first {
        let organization = value_after(&wait_for(&stdout, "organization:"), "organization:");
        (organization, value_after(&wait_for(&stdout, "secret:"), "secret:"))
    } else {
        (String::new(), String::new())
    };
    let listening = wait_for(&stderr, "listening on http://127.0.0.1:");
    let port = listening
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no port in `{listening}`"));
    Process { child, port, organization_id, root_secret, output: (stdout, stderr) }
}

/// SIGKILL, as the kernel's OOM killer or a power cut stops it: no
/// shutdown code runs.
pub(crate) fn kill(process: Process) {
    drop(process);
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM, as an orchestrator stops it; then waits for a clean exit and
/// returns what it logged since start-up.
pub(crate) fn stop(mut process: Process) -> Vec<String> {
    let status = Command::new("kill").args(["-TERM", &process.child.id().to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -TERM failed");
    let exit = process.child.wait().expect("the server exits");
    assert!(exit.success(), "a graceful stop exits 0, got {exit}");
    // The pipe closes with the process, so the reader thread ends the channel.
    process.output.1.iter().collect()
}

#[tokio::test]
async fn after_a_graceful_stop_the_sqlite_file_alone_holds_every_change() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = dir.path().join("sesame.db");
    let process = start(&database);
    let client = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    let created: serde_json::Value = client
        .post(format!("http://127.0.0.1:{}/developers/api_keys", process.port))
        .bearer_auth(&process.root_secret)
        .json(&json!({"label": "written before the stop"}))
        .send()
        .await
        .expect("the request is sent")
        .json()
        .await
        .expect("a JSON body");
    let key_id = created["data"]["id"].as_str().expect("the new key's id").to_owned();
    let organization_id = process.organization_id.clone();
    stop(process);

    let wal = dir.path().join("sesame.db-wal");
    let wal_bytes = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(wal_bytes, 0, "the write-ahead log was checkpointed into the database file");
    // The file copied alone, as a backup copies it.
    let copy_dir = tempfile::tempdir().expect("a temporary directory");
    let copy = copy_dir.path().join("copy.db");
    std::fs::copy(&database, &copy).expect("copy the database file");
    let settings =
        DatabaseSettings { url: sqlite_url(&copy), max_connections: 1, connect_timeout: Duration::from_secs(5) };
    let db = Database::connect(&settings).await.expect("open the copy");
    let found = sesame_domain::ports::ApiKeyRepository::get(
        &db.api_keys(),
        &organization_id.parse().expect("an organization id"),
        &key_id.parse().expect("a key id"),
    )
    .await
    .expect("read the copy");
    assert!(found.is_some(), "the key created before the stop is in the copied file");
}

#[tokio::test]
async fn no_request_can_forge_a_line_of_the_log() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let process = start(&dir.path().join("sesame.db"));
    let client = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    let verify = format!("http://127.0.0.1:{}/developers/api_keys/verify", process.port);
    for body in [
        r#"{"key": "x", "a\nINFO api key revoked key_id=api_key_1": 1}"#,
        r#"{"key": "x", "required_scopes": ["a\nINFO forged scope\u0000"]}"#,
    ] {
        let res = client.post(&verify).header("content-type", "application/json").body(body).send().await;
        assert_eq!(res.expect("the request is sent").status().as_u16(), 422);
    }
    let log = stop(process);
    assert!(log.iter().any(|line| line.contains("is not a known field")), "the rejection is logged: {log:#?}");
    for line in &log {
        assert!(!line.trim_start().starts_with("INFO api key revoked"), "a forged line: {line}");
        assert!(!line.trim_start().starts_with("INFO forged"), "a forged line: {line}");
        assert!(!line.contains('\0') && !line.contains('\x1b'), "a raw control character: {line:?}");
    }
}

/// `GET /developers/api_keys` as `secret`: the status.
async fn list_keys_as(port: u16, secret: &str) -> u16 {
    let client = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    let res = client.get(format!("http://127.0.0.1:{port}/developers/api_keys")).bearer_auth(secret).send().await;
    res.expect("the request is sent").status().as_u16()
}

#[tokio::test]
async fn a_start_that_cannot_listen_creates_nothing_and_the_next_start_shows_the_root_key() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = dir.path().join("sesame.db");
    let failed = command(&database).env("SESAME__SERVER__BIND", "nonsense").output().expect("the binary runs");
    assert!(!failed.status.success());
    let (stdout, stderr) = (String::from_utf8_lossy(&failed.stdout), String::from_utf8_lossy(&failed.stderr));
    assert!(!stdout.contains("secret:"), "no root key is made by a start that cannot serve: {stdout}");
    assert!(stderr.contains("server.bind") && stderr.contains("SESAME__SERVER__BIND"), "{stderr}");

    let process = start(&database);
    assert_eq!(list_keys_as(process.port, &process.root_secret).await, 200, "the banner's key works");
    stop(process);
}

#[tokio::test]
async fn sesame_root_key_gives_an_existing_organization_a_working_root_key() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = dir.path().join("sesame.db");
    let first = start(&database);
    let (organization, lost) = (first.organization_id.clone(), first.root_secret.clone());
    stop(first);

    let issued = command(&database)
        .args(["root-key", "--organization", &organization, "--revoke-previous"])
        .output()
        .expect("the binary runs");
    assert!(issued.status.success(), "{}", String::from_utf8_lossy(&issued.stderr));
    let line: serde_json::Value = serde_json::from_slice(&issued.stdout).expect("one JSON line");
    assert_eq!(line["organization_id"], organization.as_str());
    assert_eq!(line["revoked_key_ids"].as_array().map(Vec::len), Some(1), "{line}");
    let secret = line["secret"].as_str().expect("the new secret").to_owned();

    let again = start_serving(&database, false);
    assert_eq!(list_keys_as(again.port, &secret).await, 200, "the new root key manages the organization's keys");
    assert_eq!(list_keys_as(again.port, &lost).await, 401, "the previous root key is revoked");
    let log = stop(again);
    assert!(log.iter().all(|l| !l.contains(&secret)), "the secret is never logged");
}

#[tokio::test]
async fn sesame_import_stores_the_good_lines_of_a_file_and_reports_each_bad_one() {
    use sha2::Digest;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = dir.path().join("sesame.db");
    let first = start(&database);
    let organization = first.organization_id.clone();
    stop(first);
    let hashed = "acme_9mGzT4bWq2LxVr8NpKc5Hd";
    let digest: String = sha2::Sha256::digest(hashed.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let plaintext = "legacy_key_for_the_reporting_job_0001";
    let lines = [
        json!({"label": "hashed", "scopes": ["products.read"], "hash": {"algorithm": "sha256", "encoding": "hex", "value": digest}}),
        json!({"label": "plain", "plaintext": plaintext}),
        json!({"label": "no token"}),
    ];
    let mut file_text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    file_text.push_str("{not json\n");
    let file = dir.path().join("keys.jsonl");
    std::fs::write(&file, file_text).expect("write the file");

    let imported = command(&database)
        .args(["import", file.to_str().unwrap(), "--organization", &organization])
        .output()
        .expect("the binary runs");

    assert!(!imported.status.success(), "two lines were rejected: the exit status says so");
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(stderr.contains("2 key(s) rejected"), "{stderr}");
    let stdout = String::from_utf8_lossy(&imported.stdout);
    let results: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    let by_line = |n: u64| results.iter().find(|r| r["line"] == n).unwrap_or_else(|| panic!("line {n}: {stdout}"));
    assert_eq!(by_line(1)["status"], "imported");
    assert_eq!(by_line(2)["status"], "imported");
    assert_eq!(by_line(3)["error"]["validator"]["plaintext"], "one of `plaintext` or `hash` is required");
    let unreadable = by_line(4)["error"]["validator"]["body"].as_str().unwrap_or_default();
    assert!(unreadable.starts_with("is not valid JSON"), "named as the endpoint names a bad body: {stdout}");
    assert!(!stdout.contains(plaintext) && !stderr.contains(plaintext), "the plaintext is never printed");

    let again = start_serving(&database, false);
    let client = reqwest::Client::new();
    for token in [hashed, plaintext] {
        let url = format!("http://127.0.0.1:{}/developers/api_keys/verify", again.port);
        let res = client.post(url).json(&json!({"key": token})).send().await.expect("verify");
        let body: serde_json::Value = res.json().await.expect("JSON");
        assert_eq!(body["data"]["code"], "VALID", "{token}: {body}");
    }
    stop(again);
}
