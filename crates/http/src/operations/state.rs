use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sesame_domain::ports::ReadinessCheck;

/// Renders the metrics registry in the Prometheus text format.
pub type RenderMetrics = dyn Fn() -> String + Send + Sync;

/// What the operations endpoints read: the readiness check, whether the
/// instance is stopping, and the metrics. Cheap to clone.
#[derive(Clone)]
pub struct Operations {
    readiness: Arc<dyn ReadinessCheck>,
    draining: Arc<AtomicBool>,
    render: Arc<RenderMetrics>,
}

impl Operations {
    pub fn new(readiness: Arc<dyn ReadinessCheck>, render: Arc<RenderMetrics>) -> Self {
        Self { readiness, draining: Arc::new(AtomicBool::new(false)), render }
    }

    /// From now on `/readyz` answers 503, so that a load balancer stops
    /// sending requests before the instance stops taking them.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    pub(crate) fn readiness(&self) -> &dyn ReadinessCheck {
        self.readiness.as_ref()
    }

    pub(crate) fn render(&self) -> String {
        (self.render)()
    }
}
