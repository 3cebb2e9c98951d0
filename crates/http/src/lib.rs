//! The actix-web adapter: the APIs Sesame speaks (`dialects`, the native one
//! among them), the one error mapping (`ApiError`) each renders in its own
//! shape, the extractors, the OpenAPI document and Swagger UI.

mod api_error;
mod authenticated;
mod config;
mod error_case;
mod error_docs;
mod error_shape;
mod field_schemas;
mod json_body;
mod landing;
mod openapi;
mod page_params;
mod request_id;
mod root_span;
mod scope_schema;
pub mod secret_scanning;
mod security_headers;
mod services;
#[cfg(test)]
mod text_patterns;
mod time_format;
mod whole_number;

pub mod dialects;
pub mod gateway;
pub mod operations;

pub use api_error::{ApiError, ErrorKind, Refused, Vocabulary};
pub use authenticated::{Authenticated, MaybeAuthenticated};
pub use config::{ApiEnvironment, HttpConfig};
pub use dialects::native::{Envelope, ErrorEnvelope, LogInfo};
pub use error_case::{Case, ErrorCase};
pub use error_docs::Errors;
pub use error_shape::{DialectError, ErrorShape, Shaped};
pub use json_body::{parse as parse_json, BodyLimit, JsonBody};
pub use openapi::openapi;
pub use page_params::PageParams;
pub use request_id::{propagate as request_id_middleware, REQUEST_ID_HEADER};
pub use root_span::{RequestTracing, SesameRootSpan};
pub use services::Services;

use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa_swagger_ui::SwaggerUi;

/// Registers every route, `/openapi.json`, Swagger UI at `/swagger-ui/`,
/// and redirects to it from `/` and `/swagger-ui`; each behind the request
/// middleware (metrics, tracing span, request id and security headers) but
/// the gateway check.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // First, and outside the middleware: a gateway asks on every request its
    // API serves, actix tries services in the order they were registered,
    // and the check keeps its own count and its refusals' request ids.
    cfg.configure(gateway::routes).service(
        web::scope("")
            .wrap(from_fn(request_id::propagate))
            .wrap(RequestTracing::new())
            // Outermost: times and counts everything, errors included.
            .wrap(from_fn(operations::request_metrics_middleware))
            .configure(api),
    );
}

fn api(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| ApiError::unreadable_query(err).into()))
        .app_data(web::PathConfig::default().error_handler(|err, _| ApiError::bad_request("path", err).into()))
        .configure(dialects::routes)
        .configure(secret_scanning::routes)
        .configure(landing::routes)
        .configure(operations::routes)
        .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", openapi()))
        .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!("no route for {} {}", req.method(), req.path())))
}
