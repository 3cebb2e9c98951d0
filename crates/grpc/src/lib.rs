//! Envoy's external authorization over gRPC
//! (`envoy.service.auth.v3.Authorization/Check`): an inbound adapter onto the
//! same gateway use case as `/gateway/auth`, so that both protocols answer
//! alike. Off unless `gateway.grpc_bind` is set.
//!
//! From a `CheckRequest` it reads the original request's method, path and
//! headers, and the downstream address Envoy saw (its `source`): that
//! address is the hop Envoy vouches for, read as the rightmost entry of
//! `X-Forwarded-For` when the gRPC peer (Envoy) is a trusted proxy, exactly
//! as nginx's `$proxy_add_x_forwarded_for` is over HTTP. Scopes an Envoy
//! route requires come from the route rules, and from the route's
//! `context_extensions` key `required_scopes` (comma-separated), which only
//! Envoy's configuration can set.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;

use envoy_types::ext_authz::v3::pb::{
    Address, Authorization, AuthorizationServer, CheckRequest, CheckResponse, HeaderAppendAction, HttpStatusCode,
};
use envoy_types::ext_authz::v3::{CheckResponseExt, DeniedHttpResponseBuilder, OkHttpResponseBuilder};
use sesame_application::authentication::bearer_token;
use sesame_application::gateway::{identity_headers, ForwardAuth, ForwardAuthError, GatewayRequest};
use tonic::{Request, Response, Status};

/// The key in a route's `context_extensions` naming scopes it requires.
pub const REQUIRED_SCOPES_EXTENSION: &str = "required_scopes";

/// The `Authorization` service.
#[derive(Clone)]
pub struct EnvoyAuthorization {
    forward_auth: ForwardAuth,
    /// Lower case, as Envoy sends header names.
    key_header: String,
    /// Remove the header the key came in before the request goes upstream.
    strip_credential: bool,
}

impl EnvoyAuthorization {
    pub fn new(forward_auth: ForwardAuth, key_header: &str, strip_credential: bool) -> Self {
        Self { forward_auth, key_header: key_header.trim().to_ascii_lowercase(), strip_credential }
    }

    /// The service, for a tonic server.
    pub fn into_service(self) -> AuthorizationServer<Self> {
        AuthorizationServer::new(self)
    }
}

/// Serves `authorization` on `listener` until `shutdown` resolves.
///
/// # Errors
/// When the server fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    authorization: EnvoyAuthorization,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    tonic::transport::Server::builder()
        .add_service(authorization.into_service())
        .serve_with_incoming_shutdown(tonic::transport::server::TcpIncoming::from(listener), shutdown)
        .await
}

/// The original request's headers, by lower-case name: Envoy sends them in
/// `headers`, or in `header_map` when configured to send raw values.
fn client_headers(
    request: &envoy_types::pb::envoy::service::auth::v3::attribute_context::HttpRequest,
) -> HashMap<String, String> {
    let mut headers: HashMap<String, String> =
        request.headers.iter().map(|(name, value)| (name.to_ascii_lowercase(), value.clone())).collect();
    if let Some(map) = &request.header_map {
        for header in &map.headers {
            let value = if header.value.is_empty() {
                String::from_utf8_lossy(&header.raw_value).into_owned()
            } else {
                header.value.clone()
            };
            headers.entry(header.key.to_ascii_lowercase()).or_insert(value);
        }
    }
    headers
}

fn bearer(headers: &HashMap<String, String>) -> Option<&str> {
    headers.get("authorization").and_then(|value| bearer_token(value))
}

#[tonic::async_trait]
impl Authorization for EnvoyAuthorization {
    async fn check(&self, request: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let peer = request.remote_addr().map(|addr| addr.ip());
        let check = request.into_inner();
        let attributes = check.attributes.as_ref().ok_or_else(|| Status::invalid_argument("no attributes"))?;
        let http = attributes
            .request
            .as_ref()
            .and_then(|r| r.http.as_ref())
            .ok_or_else(|| Status::invalid_argument("no attributes.request.http: not an HTTP request"))?;
        let headers = client_headers(http);
        let source = attributes.source.as_ref().and_then(|peer| peer.address.as_ref()).and_then(|a| a.address.as_ref());
        let downstream = match source {
            Some(Address::SocketAddress(socket)) => socket.address.parse::<IpAddr>().ok().map(|ip| ip.to_string()),
            _ => None,
        };
        let mut forwarded_for: Vec<&str> = headers.get("x-forwarded-for").map(String::as_str).into_iter().collect();
        if let Some(downstream) = &downstream {
            forwarded_for.push(downstream);
        }
        let required = [
            headers.get("x-sesame-required-scopes").map(String::as_str),
            attributes.context_extensions.get(REQUIRED_SCOPES_EXTENSION).map(String::as_str),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(",");
        let (credential, credential_header) = match bearer(&headers) {
            Some(token) => (Some(token), Some("authorization")),
            None => match headers.get(&self.key_header).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                Some(key) => (Some(key), Some(self.key_header.as_str())),
                None => (None, None),
            },
        };
        let gateway_request = GatewayRequest {
            credential,
            method: if http.method.is_empty() { "GET" } else { &http.method },
            uri: if http.path.is_empty() { "/" } else { &http.path },
            peer,
            forwarded_for,
            real_ip: None,
            required_scopes: (!required.is_empty()).then_some(required.as_str()),
            user_agent: headers.get("user-agent").map(String::as_str),
        };
        let response = match self.forward_auth.execute(&gateway_request).await {
            Ok(allowed) => {
                let mut ok = OkHttpResponseBuilder::new();
                for (name, value) in identity_headers(&allowed).iter() {
                    // ASCII by construction. Overwrite, and keep empty
                    // values: a client's copy never survives.
                    let value = String::from_utf8_lossy(value).into_owned();
                    ok.add_header(name, value, Some(HeaderAppendAction::OverwriteIfExistsOrAdd), true);
                }
                if self.strip_credential {
                    if let Some(header) = credential_header {
                        ok.remove_header(header);
                    }
                }
                let mut response = CheckResponse::with_status(Status::ok("allowed"));
                response.set_http_response(ok);
                response
            }
            Err(err) => denied(&err),
        };
        Ok(Response::new(response))
    }
}

fn denied(err: &ForwardAuthError) -> CheckResponse {
    if let ForwardAuthError::Unexpected(cause) = err {
        tracing::error!(error = %err, cause = %cause, "an Envoy check failed");
    }
    let denial = err.denial(chrono::Utc::now());
    let status = match denial.status {
        401 => Status::unauthenticated(err.code()),
        403 => Status::permission_denied(err.code()),
        429 => Status::resource_exhausted(err.code()),
        400 => Status::invalid_argument(err.code()),
        _ => Status::internal(err.code()),
    };
    let mut http = DeniedHttpResponseBuilder::new();
    http.set_http_status(HttpStatusCode::try_from(i32::from(denial.status)).unwrap_or(HttpStatusCode::Forbidden));
    http.add_header("content-type", "application/json", Some(HeaderAppendAction::OverwriteIfExistsOrAdd), false);
    http.add_header("cache-control", "no-store", Some(HeaderAppendAction::OverwriteIfExistsOrAdd), false);
    if let Some(challenge) = &denial.www_authenticate {
        http.add_header(
            "www-authenticate",
            challenge.as_str(),
            Some(HeaderAppendAction::OverwriteIfExistsOrAdd),
            false,
        );
    }
    if let Some(seconds) = denial.retry_after {
        http.add_header("retry-after", seconds.to_string(), Some(HeaderAppendAction::OverwriteIfExistsOrAdd), false);
    }
    if let Some((policy, state)) = denial.ratelimit {
        http.add_header("ratelimit-policy", policy, Some(HeaderAppendAction::OverwriteIfExistsOrAdd), false);
        http.add_header("ratelimit", state, Some(HeaderAppendAction::OverwriteIfExistsOrAdd), false);
    }
    http.set_body(denial.body);
    let mut response = CheckResponse::with_status(status);
    response.set_http_response(http);
    response
}
