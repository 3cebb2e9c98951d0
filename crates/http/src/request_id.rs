//! Every response carries `X-Request-Id`, the id of the root tracing span
//! that `tracing_actix_web::TracingLogger` opened, so a client's report finds
//! the server's logs. Handlers and error rendering read it (and the API
//! environment) from a task-local scoped around the request, since actix's
//! `ResponseError` gets no access to the request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing_actix_web::RequestId;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

use crate::ApiEnvironment;

/// What every response of one request shares.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub env: ApiEnvironment,
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// The context of the request being served, if called while serving one.
pub fn current() -> Option<RequestContext> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The id of the request being served; empty outside a request.
pub fn current_id() -> String {
    CURRENT.try_with(|c| c.request_id.clone()).unwrap_or_default()
}

/// The API environment of the request being served, without copying its id.
pub fn current_env() -> Option<ApiEnvironment> {
    CURRENT.try_with(|c| c.env).ok()
}

/// The request id the OpenAPI document's examples show.
const EXAMPLE_ID: &str = "0197c0f1-9589-7990-b421-4b806f637b0c";

/// `f` as if serving a request with the examples' id in development, so
/// that what it renders is what such a request would get.
pub(crate) fn as_example<R>(f: impl FnOnce() -> R) -> R {
    let context = RequestContext { request_id: EXAMPLE_ID.to_owned(), env: ApiEnvironment::Development };
    CURRENT.sync_scope(context, f)
}

/// Middleware: scope the request id around the handler, echo it in the
/// response header, and add the security headers every response carries
/// (`security_headers`). Must run inside `TracingLogger`.
pub async fn propagate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    // The header value is built first so the id itself moves into the context.
    let header = HeaderValue::from_str(&id).ok();
    let context = RequestContext { request_id: id, env: env_of(req.app_data()) };
    let swagger_ui = crate::security_headers::is_swagger_ui(req.path());
    let mut res = CURRENT.scope(context, next.call(req)).await?;
    stamp(res.headers_mut(), header, swagger_ui);
    Ok(res)
}

/// The API environment the server was configured with.
fn env_of(config: Option<&actix_web::web::Data<crate::HttpConfig>>) -> ApiEnvironment {
    config.map_or(ApiEnvironment::Development, |config| config.env)
}

/// Echoes the request id and adds the security headers every response carries.
fn stamp(headers: &mut HeaderMap, request_id: Option<HeaderValue>, swagger_ui: bool) {
    if let Some(value) = request_id {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    crate::security_headers::apply(headers, swagger_ui);
}

/// What [`propagate`] gives a response, for a handler served outside the
/// middleware (the gateway check, whose allow answers skip it): a fresh
/// request id, in scope while `render` runs and echoed in `X-Request-Id`,
/// and the security headers. Returns the id too, for the caller's log line.
pub(crate) fn within_context(
    req: &actix_web::HttpRequest,
    render: impl FnOnce() -> actix_web::HttpResponse,
) -> (String, actix_web::HttpResponse) {
    let id = uuid::Uuid::now_v7().to_string();
    let header = HeaderValue::from_str(&id).ok();
    let context = RequestContext { request_id: id.clone(), env: env_of(req.app_data()) };
    let mut res = CURRENT.sync_scope(context, render);
    stamp(res.headers_mut(), header, false);
    (id, res)
}
