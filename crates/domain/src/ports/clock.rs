use chrono::{DateTime, Utc};

/// The current time; a port so that expiry rules are testable.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}
