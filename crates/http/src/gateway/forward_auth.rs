//! `/gateway/auth`: reads the original request from the headers gateways
//! send, asks the application's [`ForwardAuth`], and answers with a status
//! and headers. No body is read.

use std::time::Instant;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use sesame_application::gateway::{
    answer, identity_headers, Allowed, CheckHeader, CheckHeaders, ForwardAuth, ForwardAuthError, GatewayRequest,
    CHECK_PATH,
};
use utoipa::ToSchema;

use crate::dialects::native::Native;
use crate::error_shape::respond;
use crate::{request_id, ApiError};

pub const TAG: &str = "Gateways";

/// What the gateway endpoint needs: the use case, and the header a key may
/// come in besides `Authorization: Bearer`.
#[derive(Clone)]
pub struct Gateway {
    pub forward_auth: ForwardAuth,
    pub key_header: HeaderName,
}

/// The body of every refusal: a code (verify's, or `MISSING_KEY`,
/// `INVALID_REQUIRED_SCOPES`, `RATE_LIMITED`, `INTERNAL`) and a sentence
/// the gateway may hand to its client.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayVerdict {
    #[schema(example = "NOT_FOUND")]
    pub code: &'static str,
    #[schema(example = "The key is not valid (NOT_FOUND)")]
    pub message: &'static str,
}

/// The request headers a check is read from, parsed at compile time
/// (statics, so that [`Headers::name`] can lend them).
static X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
static X_ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
static X_FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
static X_ORIGINAL_URI: HeaderName = HeaderName::from_static("x-original-uri");
static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");
static X_SESAME_REQUIRED_SCOPES: HeaderName = HeaderName::from_static("x-sesame-required-scopes");
static AUTHORIZATION: HeaderName = header::AUTHORIZATION;
static USER_AGENT: HeaderName = header::USER_AGENT;

/// The methods a gateway forwards: nginx and Envoy's HTTP mode ask with the
/// original request's method. Any other (TRACE, an extension method) is a
/// 405 naming these.
const METHODS: [Method; 7] =
    [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];
const ALLOW: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/// A check's headers in actix's map.
struct Headers<'a> {
    map: &'a HeaderMap,
    key_header: &'a HeaderName,
}

impl<'a> Headers<'a> {
    fn name(&self, name: CheckHeader) -> &'a HeaderName {
        match name {
            CheckHeader::Authorization => &AUTHORIZATION,
            CheckHeader::Key => self.key_header,
            CheckHeader::ForwardedMethod => &X_FORWARDED_METHOD,
            CheckHeader::OriginalMethod => &X_ORIGINAL_METHOD,
            CheckHeader::ForwardedUri => &X_FORWARDED_URI,
            CheckHeader::OriginalUri => &X_ORIGINAL_URI,
            CheckHeader::ForwardedFor => &X_FORWARDED_FOR,
            CheckHeader::RealIp => &X_REAL_IP,
            CheckHeader::RequiredScopes => &X_SESAME_REQUIRED_SCOPES,
            CheckHeader::UserAgent => &USER_AGENT,
        }
    }
}

impl<'a> CheckHeaders<'a> for Headers<'a> {
    fn first(&self, name: CheckHeader) -> Option<&'a str> {
        self.map.get(self.name(name)).and_then(|value| value.to_str().ok())
    }

    fn all(&self, name: CheckHeader) -> Vec<&'a str> {
        self.map.get_all(self.name(name)).filter_map(|value| value.to_str().ok()).collect()
    }
}

/// The check, served outside the middleware of the other routes: an allow
/// answer is for the gateway alone, on every request of its API, so it
/// carries the identity headers and nothing else; every other answer (which
/// a gateway may hand to its client) gets a request id, the security
/// headers and a log line, as any other endpoint's.
pub async fn check(req: HttpRequest, gateway: web::Data<Gateway>) -> HttpResponse {
    let started = Instant::now();
    let response = if METHODS.contains(req.method()) {
        let headers = Headers { map: req.headers(), key_header: &gateway.key_header };
        let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let request = GatewayRequest::read(&headers, req.method().as_str(), target, req.peer_addr().map(|a| a.ip()));
        match gateway.forward_auth.execute(&request).await {
            Ok(allowed) => allow(&allowed),
            Err(err) => in_context(&req, || refuse(&err)),
        }
    } else {
        in_context(&req, || respond::<Native>(&ApiError::method_not_allowed(req.method(), ALLOW)))
    };
    let method = crate::operations::method_label(req.method());
    crate::operations::count_request(CHECK_PATH, method, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// A refusal with what the middleware gives every other endpoint's answer
/// (request id, security headers), logged as refusals are.
fn in_context(req: &HttpRequest, render: impl FnOnce() -> HttpResponse) -> HttpResponse {
    let (request_id, response) = request_id::within_context(req, render);
    let status = response.status();
    if status.is_server_error() {
        tracing::error!(http.route = CHECK_PATH, http.method = %req.method(), http.status_code = status.as_u16(), %request_id, "request failed");
    } else {
        tracing::info!(http.route = CHECK_PATH, http.method = %req.method(), http.status_code = status.as_u16(), %request_id, "request refused");
    }
    response
}

/// The identity headers' names, in the order of their values
/// (`IDENTITY_HEADERS`), parsed at compile time.
pub const IDENTITY_NAMES: [HeaderName; 6] = [
    HeaderName::from_static(answer::KEY_ID),
    HeaderName::from_static(answer::ORGANIZATION_ID),
    HeaderName::from_static(answer::ENVIRONMENT),
    HeaderName::from_static(answer::SCOPES),
    HeaderName::from_static(answer::SERVICE_ACCOUNT_ID),
    HeaderName::from_static(answer::METADATA),
];

/// 200 with the identity headers and no body: nginx reuses a connection to
/// an `auth_request` upstream only when it has no body to skip, and no
/// gateway passes an allow answer's body on.
fn allow(allowed: &Allowed) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in IDENTITY_NAMES.iter().zip(identity_headers(allowed).values()) {
        // ASCII by construction, shared, not copied; an empty one is kept,
        // so that it overwrites a client's copy.
        if let Ok(value) = HeaderValue::from_maybe_shared(value.clone()) {
            headers.insert(name.clone(), value);
        }
    }
    response
}

fn refuse(err: &ForwardAuthError) -> HttpResponse {
    if let ForwardAuthError::Unexpected(cause) = err {
        tracing::error!(error = %err, cause = %cause, source = ?std::error::Error::source(cause.as_ref()), request_id = %request_id::current_id(), "a gateway check failed");
    }
    let denial = err.denial(chrono::Utc::now());
    let status = StatusCode::from_u16(denial.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(challenge) = &denial.www_authenticate {
        response.insert_header((header::WWW_AUTHENTICATE, challenge.as_str()));
    }
    if let Some(seconds) = denial.retry_after {
        response.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    if let Some((policy, state)) = denial.ratelimit {
        response.insert_header(("RateLimit-Policy", policy)).insert_header(("RateLimit", state));
    }
    response.content_type("application/json").body(denial.body)
}

/// Check a request for a gateway (forward auth)
///
/// The endpoint of nginx `auth_request`, Traefik `forwardAuth`, Caddy
/// `forward_auth`, APISIX `forward-auth` and Envoy `ext_authz` (HTTP mode),
/// on GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS (the same check on
/// each: gateways ask with the original method) and **any path below**
/// `/gateway/auth`. The key comes from
/// `Authorization: Bearer` or the key header (`gateway.key_header`,
/// `X-API-Key` by default), never the query. The original request is read
/// from `X-Forwarded-Method`/`X-Forwarded-Uri` or
/// `X-Original-Method`/`X-Original-URI`, else from this request's own method
/// and the path after `/gateway/auth`. Its scopes come from the route rules
/// (`gateway.routes`, first match wins, else `gateway.default_scopes`), plus
/// any the gateway's own config puts in `X-Sesame-Required-Scopes`
/// (comma-separated; an unknown scope there is a 400). The client address (for IP allow lists
/// and the failed-attempt budgets) is read from `X-Forwarded-For`/`X-Real-IP`
/// only when the caller is one of `gateway.trusted_proxies`. A valid key
/// counts one use. docs/gateways.md has each gateway's configuration.
#[utoipa::path(
    get,
    path = "/gateway/auth",
    operation_id = "gateway_auth",
    params(
        ("X-API-Key" = Option<String>, Header, description = "The key, when not in `Authorization: Bearer` (the header named by `gateway.key_header`)"),
        ("X-Forwarded-Method" = Option<String>, Header, description = "The original request's method (Traefik, Caddy); or `X-Original-Method`"),
        ("X-Forwarded-Uri" = Option<String>, Header, description = "The original request's path and query (Traefik, Caddy); or `X-Original-URI` (nginx)"),
        ("X-Forwarded-For" = Option<String>, Header, description = "The client address chain; believed only from a trusted proxy"),
    ),
    responses(
        (status = 200, description = "Let it through; the identity headers are for the upstream (each always set, empty when it has no value). No body: nginx keeps its connection to an `auth_request` upstream only when there is none to skip",
            headers(
                ("X-Sesame-Key-Id" = String, description = "`api_key_<uuid>`"),
                ("X-Sesame-Organization-Id" = String, description = "`org_<uuid>`"),
                ("X-Sesame-Environment" = String, description = "`live` or `test`"),
                ("X-Sesame-Scopes" = String, description = "The key's scopes, comma-separated"),
                ("X-Sesame-Service-Account-Id" = String, description = "`svc_<uuid>`, or empty"),
                ("X-Sesame-Metadata" = String, description = "The key's metadata as compact ASCII JSON, `{}` past 2048 bytes"),
            )),
        (status = 400, description = "`X-Sesame-Required-Scopes` (the gateway's configuration) names an unknown scope", body = GatewayVerdict,
            example = json!({"code": "INVALID_REQUIRED_SCOPES", "message": "X-Sesame-Required-Scopes, set by the gateway's configuration, names an unknown scope `products.fly`"})),
        (status = 401, description = "No key, or a key that is not valid (unknown, malformed, expired, revoked, organization deactivated)", body = GatewayVerdict,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"sesame\", error=\"invalid_token\"` (RFC 6750; no error when no key was sent)")),
            example = json!({"code": "MISSING_KEY", "message": "No API key: send it as `Authorization: Bearer <key>` or in the key header"})),
        (status = 403, description = "The key lacks a scope the route requires (`INSUFFICIENT_SCOPE`), or may not be used from the client's address (`FORBIDDEN_IP`)", body = GatewayVerdict,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"sesame\", error=\"insufficient_scope\", scope=\"…\"`")),
            examples(("insufficient_scope" = (value = json!({"code": "INSUFFICIENT_SCOPE", "message": "The key lacks a scope this request requires: products.create"}))))),
        (status = 429, description = "Too many failed attempts for this key id or from this client address", body = GatewayVerdict,
            headers(("Retry-After" = u32, description = "Seconds to wait")),
            example = json!({"code": "RATE_LIMITED", "message": "Too many failed attempts; retry after the time Retry-After gives"})),
        (status = 500, description = "The key could not be checked (the cause is logged); the gateway must refuse the request", body = GatewayVerdict,
            example = json!({"code": "INTERNAL", "message": "The key could not be checked; the cause is in Sesame's log"})),
    ),
    security(("bearerAuth" = []))
)]
#[allow(dead_code)]
pub(super) fn documented_check() {}

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_application::gateway::IDENTITY_HEADERS;

    #[test]
    fn the_identity_names_are_the_applications_in_its_order() {
        assert_eq!(IDENTITY_NAMES.map(|name| name.as_str().to_owned()), IDENTITY_HEADERS.map(str::to_owned));
    }
}
