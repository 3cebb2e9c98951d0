//! Sesame's use cases, grouped by feature. Each one holds the ports it needs
//! and exposes one async method taking a typed command; adapters call these,
//! never the ports directly.

pub mod api_keys;
pub mod audit_events;
pub mod authentication;
pub mod organizations;
pub mod service_accounts;
pub mod support;
pub mod usage;

/// Boxed cause of an error no caller can act on; logged at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod test_support;
