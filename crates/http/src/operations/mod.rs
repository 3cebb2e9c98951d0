//! What an orchestrator and a monitoring system ask of an instance:
//! liveness, readiness and metrics. Beside the dialects, not one of them:
//! no key is needed, and nothing about keys or organizations is revealed.

mod probes;
mod request_metrics;
mod routes;
mod state;

pub(crate) use request_metrics::{count as count_request, method_label};
pub use request_metrics::{record as request_metrics_middleware, REQUESTS, REQUEST_DURATION};
pub use routes::{openapi, routes};
pub use state::{Operations, RenderMetrics};
