use actix_web::web;
use utoipa::OpenApi;

use super::probes::{self, ProbeStatus};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(probes::healthz).service(probes::readyz).service(probes::metrics);
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
