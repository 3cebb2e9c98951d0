//! Seed 001's API: `/v1/api-keys`, camelCase, `{code, data, message,
//! requestId}`. A key's access is one coarse `scope`, `read` or
//! `read-write`, mapped onto Sesame's scopes (see docs/dialects.md).

mod errors;
mod handlers;
mod routes;
mod schemas;

pub use errors::V1;
pub use routes::{openapi, routes};

pub const TAG: &str = "camelCase API (/v1/api-keys)";
