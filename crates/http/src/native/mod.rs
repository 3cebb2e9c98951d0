//! Sesame's native API: `/developers/…`, the `{status, data, …}` envelope.

mod api_key_dto;
mod create_api_key;

pub use api_key_dto::{ApiKeyMetrics, CreateApiKeyRequest, CreatedApiKeyData};
pub(crate) use create_api_key::__path_create_api_key;

use actix_web::web;

pub const TAG: &str = "API keys";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_api_key::create_api_key);
}
