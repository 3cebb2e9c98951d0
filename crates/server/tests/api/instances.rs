//! Several `sesame serve` processes on one PostgreSQL database, as a
//! scaled-out installation runs them behind a load balancer.

use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

use crate::process::{command_on, lines_of};

/// One running process, killed when dropped so a failing test leaves none.
pub struct Instance {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    /// Every line read so far, both streams, so that markers may come in any order.
    seen: Vec<String>,
    /// The stderr lines among them: the log, without stdout's root key banner.
    logged: Vec<String>,
    pub port: u16,
}

const LISTENER_CONNECTED: &str = "cache invalidations from other instances are received";

impl Instance {
    /// Starts `sesame serve` on `database_url` with the test settings and
    /// `env`, without waiting for it.
    pub fn spawn(database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut command = command_on(database_url);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child =
            command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the sesame binary starts");
        let stdout = lines_of(child.stdout.take().expect("stdout"));
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        Self { child, stdout, stderr, seen: Vec::new(), logged: Vec::new(), port: 0 }
    }

    /// Waits until it listens, and reads its port.
    pub fn serving(mut self) -> Self {
        let line = self.wait_for("listening on http://127.0.0.1:");
        self.port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("no port in `{line}`"));
        self
    }

    /// Waits until its cache invalidation listener is connected.
    pub fn listening_to_peers(mut self) -> Self {
        self.wait_for(LISTENER_CONNECTED);
        self
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The first line containing `marker`, waiting up to 60 s.
    pub fn wait_for(&mut self, marker: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(line) = self.seen.iter().find(|l| l.contains(marker)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "never printed `{marker}`; printed:\n{}", self.seen.join("\n"));
            self.read_some(Duration::from_millis(20));
        }
    }

    /// The root key printed by the start that bootstrapped the database, if
    /// this was it and its stdout has been read: the banner and the log are
    /// two pipes, read by two threads, in no order.
    pub fn root_secret(&mut self) -> Option<String> {
        self.read_some(Duration::ZERO);
        let line = self.seen.iter().find(|l| l.contains("secret:"))?;
        line.split("secret:").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_owned)
    }

    /// The root key of a start known to bootstrap: waits for its banner.
    pub fn bootstrapped_root_secret(&mut self) -> String {
        self.wait_for("secret:");
        self.root_secret().expect("the banner's secret")
    }

    /// Every line so far, for a failing assertion's message.
    pub fn log(&mut self) -> String {
        self.read_some(Duration::ZERO);
        self.seen.join("\n")
    }

    /// What it logged so far (stderr only).
    pub fn logged(&mut self) -> String {
        self.read_some(Duration::ZERO);
        self.logged.join("\n")
    }

    fn read_some(&mut self, wait: Duration) {
        let mut any = false;
        while let Ok(line) = self.stdout.try_recv() {
            self.seen.push(line);
            any = true;
        }
        while let Ok(line) = self.stderr.try_recv() {
            self.logged.push(line.clone());
            self.seen.push(line);
            any = true;
        }
        if !any && !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `POST /developers/api_keys/verify` for `secret`: the answer's code.
    pub async fn verify(&self, client: &Client, secret: &str) -> String {
        let res = client.post(self.url("/developers/api_keys/verify")).json(&json!({"key": secret})).send().await;
        let body: Value = res.expect("the request is sent").json().await.expect("a JSON body");
        body["data"]["code"].as_str().unwrap_or_else(|| panic!("no code in {body}")).to_owned()
    }

    /// A new key, created with `root` through this instance: (id, secret).
    pub async fn create_key(&self, client: &Client, root: &str) -> (String, String) {
        let res = client.post(self.url("/developers/api_keys")).bearer_auth(root).json(&json!({"label": "k"})).send();
        let body: Value = res.await.expect("the request is sent").json().await.expect("a JSON body");
        let data = &body["data"];
        (data["id"].as_str().expect("an id").to_owned(), data["secret"].as_str().expect("a secret").to_owned())
    }

    /// Revokes key `id` with `root` through this instance.
    pub async fn revoke(&self, client: &Client, root: &str, id: &str) {
        let res = client.delete(self.url(&format!("/developers/api_keys/{id}"))).bearer_auth(root).send().await;
        assert_eq!(res.expect("the request is sent").status().as_u16(), 200, "the revocation succeeds");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> Client {
    Client::builder().no_proxy().build().expect("an HTTP client")
}

/// Asks `instance` until it answers `code` for `secret`, for at most
/// `within`: how long it took, or `None` if it never did.
pub async fn time_until(
    instance: &Instance,
    client: &Client,
    secret: &str,
    code: &str,
    within: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() <= within {
        if instance.verify(client, secret).await == code {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}
