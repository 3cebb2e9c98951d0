use actix_web::http::Method;
use actix_web::web;
use utoipa::OpenApi;

use super::forward_auth::{self, GatewayVerdict};
use crate::dialects::native::Native;
use crate::error_shape::resource;

/// The methods a gateway forwards: nginx and Envoy's HTTP mode ask with the
/// original request's method. Any other (TRACE, an extension method) is a
/// 405 naming these.
const METHODS: [Method; 7] =
    [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];
const ALLOW: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/// The methods documented as operations (HEAD and OPTIONS are implied).
const DOCUMENTED: [&str; 4] = ["post", "put", "patch", "delete"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Any path below too: Envoy's HTTP mode appends the original path to
    // the check's.
    let mut gateway_auth =
        resource::<Native>(&["/gateway/auth", "/gateway/auth/{original_path:.*}"], ALLOW).name("gateway_auth");
    for method in METHODS {
        gateway_auth = gateway_auth.route(web::route().method(method).to(forward_auth::check));
    }
    cfg.service(gateway_auth);
}

#[derive(OpenApi)]
#[openapi(
    paths(forward_auth::documented_check),
    components(schemas(GatewayVerdict)),
    tags((name = forward_auth::TAG, description = "Auth delegation for API gateways (nginx auth_request, Traefik forwardAuth, Caddy forward_auth, Envoy ext_authz): docs/gateways.md"))
)]
struct GatewayApi;

/// The gateway endpoint's part of the document, under its tag: the GET
/// operation, and the same for each other method a gateway may ask with.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = GatewayApi::openapi();
    if let Some(item) = doc.paths.paths.get_mut("/gateway/auth") {
        if let Some(get) = item.get.clone() {
            let as_method = |method: &str| {
                let mut operation = get.clone();
                operation.operation_id = Some(format!("gateway_auth_{method}"));
                Some(operation)
            };
            for method in DOCUMENTED {
                let operation = as_method(method);
                match method {
                    "post" => item.post = operation,
                    "put" => item.put = operation,
                    "patch" => item.patch = operation,
                    _ => item.delete = operation,
                }
            }
        }
    }
    crate::dialects::tagged(doc, forward_auth::TAG)
}
