//! The root span of every request: method, path, request id, and on the way
//! out the status (and error, if any). Leaner than tracing-actix-web's
//! default, which also resolves the connection info (host, client IP, a
//! string formatted per request) on the verification hot path; the client IP
//! is recorded where it matters, in usage and audit events.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder, TracingLogger};

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
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The request-tracing middleware Sesame wraps its app in.
pub type RequestTracing = TracingLogger<SesameRootSpan>;
