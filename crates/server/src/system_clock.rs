use chrono::{DateTime, Utc};
use sesame_domain::ports::Clock;

/// The wall clock, in UTC: the one place Sesame reads the time (ids aside,
/// see ADR 0003). Everything else asks the `Clock` port.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
