//! Envoy ext_authz over gRPC (`envoy.service.auth.v3.Authorization/Check`),
//! driven by a tonic client built from the same envoy-types definitions
//! Envoy's protocol comes in: allowed, denied and malformed checks, against
//! the real application with `gateway.grpc_bind` set.

use std::collections::HashMap;

use envoy_types::ext_authz::v3::pb::{CheckRequest, CheckResponse};
use envoy_types::pb::envoy::config::core::v3::{address, socket_address, Address, SocketAddress};
use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Peer, Request};
use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
use envoy_types::pb::envoy::service::auth::v3::{check_response, AttributeContext};
use serde_json::{json, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};
use sesame_server::settings::{RouteSetting, Settings};
use sesame_server::startup::Application;
use tonic::transport::Channel;

struct Envoy {
    client: AuthorizationClient<Channel>,
    http: reqwest::Client,
    address: String,
    root: String,
    _database: TestDatabase,
}

impl Envoy {
    async fn start(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let database = TestDatabase::new(backend).await;
        let mut settings = crate::helpers::test_settings(database.url().to_owned());
        settings.gateway.grpc_bind = Some("127.0.0.1:0".into());
        tweak(&mut settings);
        let app = Application::build(settings).await.expect("the application builds");
        let grpc_port = app.grpc_port().expect("gateway.grpc_bind is set");
        let root = app.bootstrapped().unwrap().token.expose();
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let client = AuthorizationClient::connect(format!("http://127.0.0.1:{grpc_port}")).await.expect("connects");
        Self {
            client,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            address,
            root,
            _database: database,
        }
    }

    /// A key made with the root key: its secret.
    async fn key(&self, body: Value) -> String {
        let res = self
            .http
            .post(format!("{}/developers/api_keys", self.address))
            .bearer_auth(&self.root)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        res.json::<Value>().await.unwrap()["data"]["secret"].as_str().unwrap().to_owned()
    }

    async fn check(&self, request: CheckRequest) -> Result<CheckResponse, tonic::Status> {
        self.client.clone().check(request).await.map(tonic::Response::into_inner)
    }
}

/// A check of `method path` from `source` with `headers`, as Envoy sends it.
fn check_request(method: &str, path: &str, source: &str, headers: &[(&str, &str)]) -> CheckRequest {
    let headers: HashMap<String, String> = headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    CheckRequest {
        attributes: Some(AttributeContext {
            source: Some(Peer {
                address: Some(Address {
                    address: Some(address::Address::SocketAddress(SocketAddress {
                        address: source.to_owned(),
                        port_specifier: Some(socket_address::PortSpecifier::PortValue(51000)),
                        ..Default::default()
                    })),
                }),
                ..Default::default()
            }),
            request: Some(Request {
                http: Some(HttpRequest {
                    method: method.to_owned(),
                    path: path.to_owned(),
                    headers,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

fn code(response: &CheckResponse) -> i32 {
    response.status.as_ref().map_or(0, |s| s.code)
}

/// The allowed response's headers for the upstream, by name.
fn upstream_headers(response: &CheckResponse) -> HashMap<String, (String, i32)> {
    let Some(check_response::HttpResponse::OkResponse(ok)) = &response.http_response else {
        panic!("not an OK response: {response:?}")
    };
    ok.headers
        .iter()
        .filter_map(|h| h.header.as_ref().map(|hv| (hv.key.clone(), (hv.value.clone(), h.append_action))))
        .collect()
}

/// The denied response: HTTP status, headers, body as JSON.
fn denied(response: &CheckResponse) -> (i32, HashMap<String, String>, Value) {
    let Some(check_response::HttpResponse::DeniedResponse(denied)) = &response.http_response else {
        panic!("not a denied response: {response:?}")
    };
    let headers =
        denied.headers.iter().filter_map(|h| h.header.as_ref().map(|hv| (hv.key.clone(), hv.value.clone()))).collect();
    (denied.status.as_ref().map_or(0, |s| s.code), headers, serde_json::from_str(&denied.body).unwrap())
}

fn with_routes(settings: &mut Settings) {
    settings.gateway.trusted_proxies = vec!["127.0.0.1".into()];
    settings.gateway.strip_credential = true;
    settings.gateway.routes = vec![RouteSetting {
        methods: vec!["POST".into()],
        path: "/products/**".into(),
        scopes: vec!["products.create".into()],
    }];
}

async fn an_allowed_check_overwrites_the_identity_headers_and_strips_the_key(backend: Backend) {
    let envoy = Envoy::start(backend, with_routes).await;
    let secret = envoy.key(json!({"label": "envoy", "scopes": ["products.read"], "metadata": {"tier": 2}})).await;
    let bearer = format!("Bearer {secret}");

    let response = envoy
        .check(check_request(
            "GET",
            "/products/1?x=1",
            "198.51.100.7",
            &[("authorization", &bearer), ("x-sesame-organization-id", "org_forged")],
        ))
        .await
        .unwrap();

    assert_eq!(code(&response), 0, "{response:?}");
    let headers = upstream_headers(&response);
    let overwrite = envoy_types::ext_authz::v3::pb::HeaderAppendAction::OverwriteIfExistsOrAdd as i32;
    assert!(headers["x-sesame-organization-id"].0.starts_with("org_"));
    assert_ne!(headers["x-sesame-organization-id"].0, "org_forged");
    assert_eq!(headers["x-sesame-organization-id"].1, overwrite, "overwrites a client's copy");
    assert_eq!(headers["x-sesame-scopes"].0, "products.read");
    assert_eq!(headers["x-sesame-service-account-id"].0, "");
    assert_eq!(headers["x-sesame-metadata"].0, r#"{"tier":2}"#);
    let Some(check_response::HttpResponse::OkResponse(ok)) = &response.http_response else { unreachable!() };
    assert_eq!(ok.headers_to_remove, ["authorization"], "gateway.strip_credential");
}

async fn denied_checks_carry_the_status_headers_and_body(backend: Backend) {
    let envoy = Envoy::start(backend, with_routes).await;
    let reader = envoy.key(json!({"label": "reader", "scopes": ["products.read"]})).await;
    let bearer = format!("Bearer {reader}");

    let unknown =
        envoy.check(check_request("GET", "/", "198.51.100.7", &[("x-api-key", "sk_live_nonsense")])).await.unwrap();
    assert_eq!(code(&unknown), tonic::Code::Unauthenticated as i32);
    let (status, headers, body) = denied(&unknown);
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], r#"Bearer realm="sesame", error="invalid_token""#);
    assert_eq!(body["code"], "MALFORMED");

    // By route rule, and by the route's context_extensions (Envoy's own config).
    let write =
        envoy.check(check_request("POST", "/products/1", "198.51.100.7", &[("authorization", &bearer)])).await.unwrap();
    assert_eq!(code(&write), tonic::Code::PermissionDenied as i32);
    assert_eq!(denied(&write).0, 403);
    let mut extended = check_request("GET", "/products/1", "198.51.100.7", &[("authorization", &bearer)]);
    extended.attributes.as_mut().unwrap().context_extensions.insert("required_scopes".into(), "invoices.read".into());
    let (status, headers, body) = denied(&envoy.check(extended).await.unwrap());
    assert_eq!((status, body["code"].as_str()), (403, Some("INSUFFICIENT_SCOPE")));
    assert!(headers["www-authenticate"].contains(r#"scope="invoices.read""#), "{headers:?}");

    // The IP allow list against the downstream address Envoy reports.
    let office = envoy.key(json!({"label": "office", "scopes": [], "ip_allow_list": ["198.51.100.0/24"]})).await;
    let from = |source| check_request("GET", "/", source, &[("x-api-key", &office)]);
    assert_eq!(code(&envoy.check(from("198.51.100.9")).await.unwrap()), 0);
    let outside = envoy.check(from("203.0.113.1")).await.unwrap();
    assert_eq!(denied(&outside).2["code"], "FORBIDDEN_IP");
}

async fn an_untrusted_envoy_cannot_name_the_client(backend: Backend) {
    // 127.0.0.1 is no trusted proxy here: the downstream address it reports is a claim.
    let envoy = Envoy::start(backend, |_| {}).await;
    let office = envoy.key(json!({"label": "office", "scopes": [], "ip_allow_list": ["198.51.100.0/24"]})).await;
    let response = envoy.check(check_request("GET", "/", "198.51.100.9", &[("x-api-key", &office)])).await.unwrap();
    assert_eq!(denied(&response).0, 403);
}

async fn malformed_checks_are_invalid_arguments(backend: Backend) {
    let envoy = Envoy::start(backend, |_| {}).await;
    let empty = envoy.check(CheckRequest::default()).await.unwrap_err();
    assert_eq!(empty.code(), tonic::Code::InvalidArgument);
    let mut no_http = check_request("GET", "/", "198.51.100.7", &[]);
    no_http.attributes.as_mut().unwrap().request = None;
    let err = envoy.check(no_http).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("request.http"), "{}", err.message());
    // A check without a key is a denial, not an error: Envoy answers it as it is told.
    let (status, _, body) = denied(&envoy.check(check_request("GET", "/", "not an address", &[])).await.unwrap());
    assert_eq!((status, body["code"].as_str()), (401, Some("MISSING_KEY")));
}

on_both_backends!(
    an_allowed_check_overwrites_the_identity_headers_and_strips_the_key,
    denied_checks_carry_the_status_headers_and_body,
    an_untrusted_envoy_cannot_name_the_client,
    malformed_checks_are_invalid_arguments,
    a_key_over_its_rate_limit_is_denied_with_the_ratelimit_fields,
);

async fn a_key_over_its_rate_limit_is_denied_with_the_ratelimit_fields(backend: Backend) {
    let envoy = Envoy::start(backend, |_| {}).await;
    let secret = envoy
        .key(json!({"label": "gated", "scopes": [], "rate_limits": [{"name": "default", "limit": 1, "duration_seconds": 60}]}))
        .await;
    let request = || check_request("GET", "/products", "203.0.113.7", &[("x-api-key", secret.as_str())]);
    assert_eq!(code(&envoy.check(request()).await.unwrap()), 0, "the first is within the limit");
    let over = envoy.check(request()).await.unwrap();
    let (status, headers, body) = denied(&over);
    assert_eq!((status, body["code"].as_str()), (429, Some("RATE_LIMITED")), "{body}");
    assert!(headers.contains_key("retry-after"), "{headers:?}");
    assert_eq!(headers["ratelimit-policy"], r#""default";q=1;w=60"#);
    assert!(headers["ratelimit"].starts_with(r#""default";r=0;t="#), "{headers:?}");
}

#[tokio::test]
async fn without_grpc_bind_no_grpc_port_is_opened() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let app = Application::build(crate::helpers::test_settings(database.url().to_owned())).await.unwrap();
    assert_eq!(app.grpc_port(), None);
}
