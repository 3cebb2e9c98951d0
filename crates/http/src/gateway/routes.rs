use actix_web::web;
use sesame_application::gateway::CHECK_PATH;
use utoipa::OpenApi;

use super::forward_auth::{self, GatewayVerdict};

/// The methods documented as operations (HEAD and OPTIONS are implied).
const DOCUMENTED: [&str; 4] = ["post", "put", "patch", "delete"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Neither runs a pattern: the exact path (what nginx, Traefik and Caddy
    // ask) is compared as a string, and the scope matches every path below
    // (Envoy's HTTP mode appends the original path to the check's) by its
    // prefix. Every method reaches the handler, which answers those it does
    // not serve with 405.
    cfg.service(web::resource(CHECK_PATH).default_service(web::to(forward_auth::check)))
        .service(web::scope(CHECK_PATH).default_service(web::to(forward_auth::check)));
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
    if let Some(item) = doc.paths.paths.get_mut(CHECK_PATH) {
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
