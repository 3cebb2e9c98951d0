use std::sync::OnceLock;

use reqwest::{Client, Response};
use serde_json::Value;
use sesame_application::usage::UsageBuffer;
use sesame_persistence::test_support::{Backend, TestDatabase};
use sesame_server::settings::Settings;
use sesame_server::startup::Application;

/// Settings for a test: a free port, one worker, cheap argon2 parameters.
pub fn test_settings(database_url: String) -> Settings {
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.workers = Some(1);
    settings.database.url = database_url;
    settings.database.max_connections = 5;
    // argon2id cost comes from settings so tests run fast.
    settings.hashing.memory_kib = 256;
    settings.hashing.iterations = 1;
    settings.hashing.parallelism = 1;
    settings.usage.flush_interval_ms = 60_000;
    settings
}

fn init_tracing() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            sesame_server::telemetry::init_subscriber("debug", std::io::stdout);
        }
    });
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub root_secret: String,
    pub organization_id: String,
    pub root_key_id: String,
    pub usage: UsageBuffer,
    /// The server's database: dropped with the app, and broken by tests
    /// under the running server.
    database: TestDatabase,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    init_tracing();
    let database = TestDatabase::new(backend).await;
    let mut settings = test_settings(database.url().to_owned());
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("the application builds");
    let root = app.bootstrapped().expect("a fresh database is bootstrapped").clone();
    let address = format!("http://127.0.0.1:{}", app.port());
    let usage = app.usage();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: Client::builder().no_proxy().build().expect("an HTTP client"),
        root_secret: root.token.expose(),
        organization_id: root.organization.id.to_string(),
        root_key_id: root.key.id.to_string(),
        usage,
        database,
    }
}

impl TestApp {
    /// Drops the audit trail's table under the running server: every change
    /// then fails in storage, a real cause of a 500, and must write nothing.
    pub async fn break_audit_log(&self) {
        self.database.execute("DROP TABLE audit_events").await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn database_url(&self) -> &str {
        self.database.url()
    }

    /// Starts another instance of the application on this app's database,
    /// with caches as cold as after a restart; returns its base URL.
    pub async fn another_instance(&self) -> String {
        let app = Application::build(test_settings(self.database.url().to_owned())).await.expect("it builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    /// `POST /developers/api_keys` as `secret`.
    pub async fn post_api_key(&self, secret: &str, body: &Value) -> Response {
        self.client
            .post(self.url("/developers/api_keys"))
            .bearer_auth(secret)
            .json(body)
            .send()
            .await
            .expect("the request is sent")
    }

    /// Creates a key with the root key and returns its `data`.
    pub async fn create_key(&self, body: &Value) -> Value {
        let res = self.post_api_key(&self.root_secret, body).await;
        assert_eq!(res.status().as_u16(), 201, "creating a key with the root key");
        let body: Value = res.json().await.expect("a JSON body");
        body["data"].clone()
    }
}

/// Reads a response as JSON with its status.
pub async fn status_and_json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body = res.json().await.expect("a JSON body");
    (status, body)
}

impl TestApp {
    /// Sends `method path` as `secret`, with a JSON body if given.
    pub async fn call(&self, method: reqwest::Method, path: &str, secret: &str, body: Option<&Value>) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path)).bearer_auth(secret);
        if let Some(body) = body {
            req = req.json(body);
        }
        status_and_json(req.send().await.expect("the request is sent")).await
    }

    pub async fn get(&self, path: &str, secret: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, secret, None).await
    }

    pub async fn patch(&self, path: &str, secret: &str, body: &Value) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, secret, Some(body)).await
    }

    pub async fn post(&self, path: &str, secret: &str, body: &Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, secret, Some(body)).await
    }

    pub async fn delete(&self, path: &str, secret: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, secret, None).await
    }

    /// `POST /developers/api_keys/verify` without a caller key.
    pub async fn verify(&self, body: &Value) -> (u16, Value) {
        let res = self.client.post(self.url("/developers/api_keys/verify")).json(body).send().await.unwrap();
        status_and_json(res).await
    }

    /// Creates a key with the root key; returns (id, secret).
    pub async fn key_with(&self, scopes: &[&str]) -> (String, String) {
        let data = self.create_key(&serde_json::json!({ "label": "test key", "scopes": scopes })).await;
        (data["id"].as_str().unwrap().to_owned(), data["secret"].as_str().unwrap().to_owned())
    }
}

/// A well-formed live key (right shape, right checksum) that was never issued.
pub fn unissued_key() -> String {
    use sesame_domain::{ApiToken, Environment, KeyKind, LookupId, SecretBytes};
    let lookup = *uuid::Uuid::new_v4().as_bytes();
    ApiToken::new(KeyKind::Secret, Environment::Live, LookupId::from_bytes(lookup), SecretBytes::from_bytes([7; 32]))
        .expose()
}

/// A response read whole: status, headers, and the body as JSON
/// (`Value::Null` when the body is empty, `text` keeps it verbatim).
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// Everything `res` says.
    pub async fn of(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("a readable body");
        let is_json = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        // A JSON answer must parse; another (the metrics' text) is in `text`.
        let body = if text.is_empty() || !is_json {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("the body is not JSON ({e}): {text}"))
        };
        Reply { status, headers, text, body }
    }

    /// The header's value as text; panics when it is absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("the response has no `{name}` header"))
            .to_str()
            .expect("a text header")
    }
}

impl TestApp {
    /// Sends `method path` with `headers` and a JSON body (if any), no key.
    pub async fn send_with_headers(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        for (name, value) in headers {
            req = req.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Reply::of(req.send().await.expect("the request is sent")).await
    }

    /// Sends `method path` with `bearer` (if any) as `Authorization: Bearer`
    /// and a JSON body (if any); returns everything the response says.
    pub async fn send(&self, method: reqwest::Method, path: &str, bearer: Option<&str>, body: Option<&Value>) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(bearer) = bearer {
            req = req.bearer_auth(bearer);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Reply::of(req.send().await.expect("the request is sent")).await
    }

    /// Onboards a child organization with the root key; returns its id and
    /// its first key's secret.
    pub async fn other_organization(&self) -> (String, String) {
        let (status, body) =
            self.post("/developers/organizations", &self.root_secret, &serde_json::json!({"name": "Other"})).await;
        assert_eq!(status, 201, "onboarding another organization: {body}");
        let data = &body["data"];
        (
            data["organization"]["id"].as_str().unwrap().to_owned(),
            data["api_key"]["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// Creates a service account with `secret`; returns its `data`.
    pub async fn create_service_account(&self, secret: &str, name: &str) -> Value {
        let (status, body) =
            self.post("/developers/service_accounts", secret, &serde_json::json!({ "name": name })).await;
        assert_eq!(status, 201, "creating a service account: {body}");
        body["data"].clone()
    }

    /// A key's native view (`GET /developers/api_keys/{id}` as root).
    pub async fn native_key(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/developers/api_keys/{id}"), &self.root_secret).await;
        assert_eq!(status, 200, "reading key {id} natively: {body}");
        body["data"].clone()
    }
}

/// Now, read from the server's own clock adapter: a test builds requests
/// against a real process running on the wall clock.
pub fn wall_clock() -> chrono::DateTime<chrono::Utc> {
    use sesame_domain::ports::Clock;
    sesame_server::system_clock::SystemClock.now()
}

/// `at` is an RFC 3339 date-time (`2026-01-02T03:04:05Z`).
pub fn is_rfc3339(at: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(at).is_ok()
}

/// Every operation of the generated OpenAPI document: its path template,
/// its method and the operation object.
pub fn documented_operations() -> Vec<(String, reqwest::Method, Value)> {
    let doc = serde_json::to_value(sesame_http::openapi()).expect("the document as JSON");
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() {
                operations.push((path.clone(), method, operation.clone()));
            }
        }
    }
    operations
}
