//! Sesame's use cases, grouped by feature. Each one holds the ports it needs
//! and exposes one async method taking a typed command; adapters call these,
//! never the ports directly.

pub mod api_keys;
pub mod audit_events;
pub mod authentication;
pub mod gateway;
pub mod limits;
pub mod organizations;
pub mod secret_scanning;
pub mod service_accounts;
pub mod support;
pub mod usage;

/// Boxed cause of an error no caller can act on; logged at the edge.
pub type Unexpected = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod test_support;

/// Gives every use-case error with an `Unexpected(#[from] Unexpected)`
/// variant an `unexpected` constructor for `map_err` over a port's error.
pub(crate) trait UnexpectedCause: From<Unexpected> {
    fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::from(Box::new(err))
    }
}

impl<E: From<Unexpected>> UnexpectedCause for E {}
