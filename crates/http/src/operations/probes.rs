//! `/healthz`, `/readyz` and `/metrics`.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::state::Operations;

pub const TAG: &str = "Operations";

/// How long `/readyz` waits for the database before calling it unready.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// A probe's answer: only a word, never a cause.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeStatus {
    /// `ok`, `ready`, `not_ready` or `draining`.
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// Liveness
///
/// 200 while the process serves HTTP at all. Needs no key, touches no
/// storage: restart the instance only when this fails.
#[utoipa::path(
    security(()),
    responses((status = 200, description = "The process is up", body = ProbeStatus))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(ProbeStatus { status: "ok" })
}

/// Readiness
///
/// 200 when the database answers and every migration this build knows is
/// applied; 503 when not, and from the moment a graceful stop begins, so
/// that a load balancer drains the instance before it stops. Needs no key;
/// the cause is logged, never answered.
#[utoipa::path(
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = ProbeStatus),
        (status = 503, description = "Not ready (database unreachable, migrations pending) or draining for a stop; `Retry-After` in seconds", body = ProbeStatus,
            headers(("Retry-After" = u32, description = "Seconds to wait before asking again")))
    )
)]
#[get("/readyz")]
pub async fn readyz(operations: web::Data<Operations>) -> HttpResponse {
    if operations.is_draining() {
        return unavailable("draining");
    }
    match tokio::time::timeout(READINESS_TIMEOUT, operations.readiness().ready()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(ProbeStatus { status: "ready" }),
        Ok(Err(cause)) => {
            tracing::warn!(cause = %cause, source = ?std::error::Error::source(&cause), "not ready");
            unavailable("not_ready")
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = READINESS_TIMEOUT.as_millis() as u64,
                "not ready: the database did not answer in time"
            );
            unavailable("not_ready")
        }
    }
}

fn unavailable(status: &'static str) -> HttpResponse {
    HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "1")).json(ProbeStatus { status })
}

/// Metrics
///
/// The instance's metrics in the Prometheus text exposition format:
/// requests by route template and status, request latency, key checks by
/// outcome, the verified-key cache, cross-instance invalidations and the
/// database pool. Needs no key; holds no key, hash or organization data.
/// docs/deploy.md lists every metric.
#[utoipa::path(
    security(()),
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(operations: web::Data<Operations>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(operations.render())
}
