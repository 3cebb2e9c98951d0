//! Gateways' auth delegation (nginx `auth_request`, Traefik `forwardAuth`,
//! Caddy `forward_auth`, Envoy `ext_authz`): "may this request through?",
//! answered from the key the end client presented, the route it asked for
//! and the address it came from; and the answer, the same for every
//! protocol that carries it.

pub mod answer;
mod forward_auth;

pub use answer::{identity_headers, Denial, IdentityHeaders, IDENTITY_HEADERS};
pub use forward_auth::{
    Allowed, CheckHeader, CheckHeaders, ForwardAuth, ForwardAuthError, GatewayPolicy, GatewayRequest, CHECK_PATH,
};
