//! The root span of every request: method, path, request id, and on the way
//! out the status (and error, if any). Leaner than tracing-actix-web's
//! default, which also resolves the connection info (host, client IP, a
//! string formatted per request) on the verification hot path; the client IP
//! is recorded where it matters, in usage and audit events.
//!
//! A refused request (4xx) is the client's mistake, not the server's: it is
//! logged at INFO with its route template; a 5xx at ERROR (its cause is
//! logged where it happened, see `ApiError`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};

pub struct SesameRootSpan;

impl RootSpanBuilder for SesameRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "http_request",
            http.method = %request.method(),
            http.target = %request.path(),
            request_id = request_id.map(tracing::field::display),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, route, error) = match outcome {
            Ok(response) => (
                response.status(),
                response.request().match_pattern(),
                response.response().error().map(ToString::to_string),
            ),
            Err(error) => (error.as_response_error().status_code(), None, Some(error.to_string())),
        };
        span.record("http.status_code", status.as_u16());
        span.record("otel.status_code", if status.is_server_error() { "ERROR" } else { "OK" });
        if let Some(message) = &error {
            span.record("exception.message", message.as_str());
        }
        // The template (`/v1/api-keys/{id}`), so that refusals group by
        // operation; no route matched a path of the client's choosing.
        let route = route.as_deref().unwrap_or("none");
        if status.is_server_error() {
            tracing::error!(parent: &span, http.route = %route, "request failed");
        } else if status.is_client_error() {
            tracing::info!(parent: &span, http.route = %route, "request refused");
        }
    }
}

/// The request-tracing middleware Sesame wraps its app in.
pub type RequestTracing = TracingLogger<SesameRootSpan>;
