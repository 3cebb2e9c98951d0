use actix_web::web;
use utoipa::OpenApi;

use super::probes::{self, ProbeStatus};
use crate::dialects::native::Native;
use crate::error_shape::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(probes::healthz).service(probes::readyz).service(probes::metrics);
    // Any other method on a probe is a 405 naming GET, not a 404.
    for path in ["/healthz", "/readyz", "/metrics"] {
        cfg.service(resource::<Native>(&[path], "GET"));
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(probes::healthz, probes::readyz, probes::metrics),
    components(schemas(ProbeStatus)),
    tags((name = probes::TAG, description = "Liveness, readiness and metrics for orchestrators and monitoring; no key needed"))
)]
struct OperationsApi;

/// The probes' part of the document, under their tag, with no key needed
/// (the document's default asks for one).
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::dialects::tagged(OperationsApi::openapi(), probes::TAG)
}
