//! Sesame's native API: `/developers/…`, the `{status, data, …}` envelope.
//! API keys and verify, organizations, the audit trail, service accounts.

mod errors;
mod handlers;
mod routes;
mod schemas;

pub use errors::{ErrorEnvelope, Native};
pub use routes::{openapi, routes};
pub use schemas::{Envelope, ImportErrorData, ImportKeyRequest, ImportedKeysData, LogInfo};
