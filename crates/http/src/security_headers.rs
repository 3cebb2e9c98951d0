//! Headers every response carries: nothing Sesame answers may be cached
//! (its answers hold secrets, once, and the state of keys, which changes),
//! sniffed, framed or leaked through a referrer; and a Content-Security-Policy
//! that lets Swagger UI run from its own files and JSON responses run nothing.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// JSON answers load nothing at all.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Swagger UI: its own scripts and styles (React sets inline styles), its
/// inline SVG icons, and requests to this server only.
const SWAGGER_UI_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const SWAGGER_UI_PREFIX: &str = "/swagger-ui";

/// Adds to a response's `headers` those a handler did not set itself; on
/// Swagger UI's pages when `swagger_ui`. Called by the request-id middleware,
/// which every response passes, so the verify hot path pays for no further
/// middleware layer.
pub(crate) fn apply(headers: &mut HeaderMap, swagger_ui: bool) {
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
}

/// Whether `path` is one of Swagger UI's.
pub(crate) fn is_swagger_ui(path: &str) -> bool {
    path.starts_with(SWAGGER_UI_PREFIX)
}
