//! What a gateway's auth delegation needs besides the key itself: which
//! scopes the original request requires ([`RouteRules`]) and which address
//! it came from ([`TrustedProxies`]).

mod route_rules;
mod trusted_proxies;

pub use route_rules::{RouteRule, RouteRuleError, RouteRules};
pub use trusted_proxies::{TrustedProxies, TrustedProxiesError};
