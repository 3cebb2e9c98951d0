//! Headers every response carries: nothing Sesame answers may be cached
//! (its answers hold secrets, once, and the state of keys, which changes),
//! sniffed, framed or leaked through a referrer; and a Content-Security-Policy
//! that lets Swagger UI run from its own files and JSON responses run nothing.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// JSON answers load nothing at all.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Swagger UI: its own scripts and styles (React sets inline styles), its
/// inline SVG icons, and requests to this server only.
const SWAGGER_UI_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const SWAGGER_UI_PREFIX: &str = "/swagger-ui";

/// Middleware: adds the headers a handler did not set itself.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let swagger_ui = req.path().starts_with(SWAGGER_UI_PREFIX);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let policy = if swagger_ui { SWAGGER_UI_POLICY } else { API_POLICY };
    let defaults: [(HeaderName, &'static str); 5] = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, policy),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}
