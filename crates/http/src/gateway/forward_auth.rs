//! `/gateway/auth`: reads the original request from the headers gateways
//! send, asks the application's [`ForwardAuth`], and answers with a status
//! and headers. No body is read.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use sesame_application::gateway::{identity_headers, ForwardAuth, ForwardAuthError, GatewayRequest};
use utoipa::ToSchema;

pub const TAG: &str = "Gateways";

const PREFIX: &str = "/gateway/auth";

/// What the gateway endpoint needs: the use case, and the header a key may
/// come in besides `Authorization: Bearer`.
#[derive(Clone)]
pub struct Gateway {
    pub forward_auth: ForwardAuth,
    pub key_header: HeaderName,
}

/// The body of every answer: a code (verify's, or `MISSING_KEY`,
/// `INVALID_REQUIRED_SCOPES`, `RATE_LIMITED`, `INTERNAL`) and a sentence
/// the gateway may hand to its client.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayVerdict {
    #[schema(example = "VALID")]
    pub code: &'static str,
    #[schema(example = "The key may go through")]
    pub message: &'static str,
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim).filter(|value| !value.is_empty())
}

/// `Authorization: Bearer <key>` first, then the key header; never the query.
fn credential<'a>(headers: &'a HeaderMap, key_header: &HeaderName) -> Option<&'a str> {
    let bearer = text(headers, header::AUTHORIZATION.as_str()).and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
    });
    bearer.or_else(|| text(headers, key_header.as_str()))
}

/// Everything the check weighs, read from the request as the gateways send it.
fn gateway_request<'a>(req: &'a HttpRequest, key_header: &HeaderName) -> GatewayRequest<'a> {
    let headers = req.headers();
    // Envoy's HTTP mode: the check's own method and path (with the
    // original path after the prefix) are the original request's.
    let own_uri = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let own_uri = own_uri.strip_prefix(PREFIX).filter(|rest| rest.starts_with('/')).unwrap_or("/");
    GatewayRequest {
        credential: credential(headers, key_header),
        method: text(headers, "x-forwarded-method")
            .or_else(|| text(headers, "x-original-method"))
            .unwrap_or_else(|| req.method().as_str()),
        uri: text(headers, "x-forwarded-uri").or_else(|| text(headers, "x-original-uri")).unwrap_or(own_uri),
        peer: req.peer_addr().map(|addr| addr.ip()),
        forwarded_for: headers.get_all("x-forwarded-for").filter_map(|value| value.to_str().ok()).collect(),
        real_ip: text(headers, "x-real-ip"),
        required_scopes: headers.get("x-sesame-required-scopes").and_then(|value| value.to_str().ok()),
        user_agent: text(headers, header::USER_AGENT.as_str()),
    }
}

pub async fn check(req: HttpRequest, gateway: web::Data<Gateway>) -> HttpResponse {
    let request = gateway_request(&req, &gateway.key_header);
    match gateway.forward_auth.execute(&request).await {
        Ok(allowed) => {
            let mut response = HttpResponse::Ok();
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            for (name, value) in identity_headers(&allowed) {
                // The values are ASCII by construction; an empty one is kept,
                // so that it overwrites a client's copy.
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.insert_header((name, value));
                }
            }
            response.json(GatewayVerdict { code: "VALID", message: "The key may go through" })
        }
        Err(err) => refuse(&err),
    }
}

fn refuse(err: &ForwardAuthError) -> HttpResponse {
    if let ForwardAuthError::Unexpected(cause) = err {
        tracing::error!(error = %err, cause = %cause, source = ?std::error::Error::source(cause.as_ref()), "a gateway check failed");
    }
    let denial = err.denial();
    let status = StatusCode::from_u16(denial.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(challenge) = &denial.www_authenticate {
        response.insert_header((header::WWW_AUTHENTICATE, challenge.as_str()));
    }
    if let Some(seconds) = denial.retry_after {
        response.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    if let ForwardAuthError::OverLimit(rejection) = err {
        let (policy, state) = crate::api_error::ratelimit_fields(&rejection.report.rate_limits, chrono::Utc::now());
        if !policy.is_empty() {
            response.insert_header(("RateLimit-Policy", policy)).insert_header(("RateLimit", state));
        }
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
        (status = 200, description = "Let it through; the identity headers are for the upstream (each always set, empty when it has no value)", body = GatewayVerdict,
            headers(
                ("X-Sesame-Key-Id" = String, description = "`api_key_<uuid>`"),
                ("X-Sesame-Organization-Id" = String, description = "`org_<uuid>`"),
                ("X-Sesame-Environment" = String, description = "`live` or `test`"),
                ("X-Sesame-Scopes" = String, description = "The key's scopes, comma-separated"),
                ("X-Sesame-Service-Account-Id" = String, description = "`svc_<uuid>`, or empty"),
                ("X-Sesame-Metadata" = String, description = "The key's metadata as compact ASCII JSON, `{}` past 2048 bytes"),
            ),
            example = json!({"code": "VALID", "message": "The key may go through"})),
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
