//! The gateways' auth-delegation protocols over HTTP: `/gateway/auth`, the
//! forward-auth endpoint of nginx `auth_request`, Traefik `forwardAuth`,
//! Caddy `forward_auth`, APISIX `forward-auth` and Envoy `ext_authz` in HTTP
//! mode. Beside the dialects, not one of them: a gateway asks about its own
//! client's key, and the answer is a status and headers, not an envelope.

mod forward_auth;
mod routes;

pub use forward_auth::{Gateway, IDENTITY_NAMES};
pub use routes::{openapi, routes};
