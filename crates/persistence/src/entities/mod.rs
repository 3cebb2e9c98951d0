//! SeaORM entities. They never leave this crate: adapters convert them to
//! domain types at the boundary.

pub mod api_key;
pub mod api_key_secret;
pub mod audit_event;
pub mod organization;
pub mod service_account;
