//! Seed 003's API: `/api-keys`, a key is just a name, and every error is
//! the generic error object `{code, message}` (code a snake_case string).

mod errors;
mod handlers;
mod routes;
mod schemas;

pub use errors::Generic;
pub use routes::{openapi, routes};

pub const TAG: &str = "Plain REST API (/api-keys)";
