//! One module per resource of the native API.

pub mod api_keys;
pub mod audit_events;
pub mod organizations;
pub mod service_accounts;
