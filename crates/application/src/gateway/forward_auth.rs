use std::net::IpAddr;
use std::sync::Arc;

use sesame_domain::{RouteRules, ScopeSet, TrustedProxies, UnknownScope, VerificationCode};
use thiserror::Error;

use crate::authentication::{bearer_token, Authenticate, AuthenticationError, Verified};
use crate::limits::{UsageLimiter, UsageRejection};
use crate::Unexpected;

/// What an operator configured for every gateway check.
#[derive(Debug, Clone, Default)]
pub struct GatewayPolicy {
    pub routes: RouteRules,
    pub trusted_proxies: TrustedProxies,
}

/// One check, as the gateway asked it: the end client's credential, its
/// original request, and what the gateway says about where it came from.
/// Nothing here is trusted before [`ForwardAuth`] weighs it.
#[derive(Debug, Clone, Default)]
pub struct GatewayRequest<'a> {
    /// The presented key, if any.
    pub credential: Option<&'a str>,
    /// The original request's method and target (path and query).
    pub method: &'a str,
    pub uri: &'a str,
    /// The address that sent the check: the gateway itself.
    pub peer: Option<IpAddr>,
    /// Every `X-Forwarded-For` value, in the order received.
    pub forwarded_for: Vec<&'a str>,
    pub real_ip: Option<&'a str>,
    /// Comma-separated scopes the gateway's own config requires on top of
    /// the route rules' (`X-Sesame-Required-Scopes`).
    pub required_scopes: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// The path of the forward-auth check: gateways ask at it, or (Envoy's HTTP
/// mode) at the original request's path appended to it.
pub const CHECK_PATH: &str = "/gateway/auth";

/// The headers a forward-auth check is read from, as each HTTP transport
/// names them in its own types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckHeader {
    Authorization,
    /// `gateway.key_header` (`X-API-Key` by default).
    Key,
    ForwardedMethod,
    OriginalMethod,
    ForwardedUri,
    OriginalUri,
    ForwardedFor,
    RealIp,
    RequiredScopes,
    UserAgent,
}

/// A check's headers, as an HTTP transport holds them.
pub trait CheckHeaders<'a> {
    /// The first value of `name` if it is visible ASCII.
    fn first(&self, name: CheckHeader) -> Option<&'a str>;
    /// Every value of `name` that is visible ASCII, in the order received.
    fn all(&self, name: CheckHeader) -> Vec<&'a str>;
}

impl<'a> GatewayRequest<'a> {
    /// The check as the gateways send it over HTTP: the key from
    /// `Authorization: Bearer`, else the key header (never the query); the
    /// original request from `X-Forwarded-Method`/`-Uri`, `X-Original-Method`/
    /// `-URI`, else (Envoy's HTTP mode) the check's own method and the part
    /// of its target after [`CHECK_PATH`].
    pub fn read(
        headers: &impl CheckHeaders<'a>,
        own_method: &'a str,
        own_target: &'a str,
        peer: Option<IpAddr>,
    ) -> Self {
        let text = |name| headers.first(name).map(str::trim).filter(|value| !value.is_empty());
        let bearer = text(CheckHeader::Authorization).and_then(bearer_token);
        let own_uri = own_target.strip_prefix(CHECK_PATH).filter(|rest| rest.starts_with('/')).unwrap_or("/");
        GatewayRequest {
            credential: bearer.or_else(|| text(CheckHeader::Key)),
            method: text(CheckHeader::ForwardedMethod)
                .or_else(|| text(CheckHeader::OriginalMethod))
                .unwrap_or(own_method),
            uri: text(CheckHeader::ForwardedUri).or_else(|| text(CheckHeader::OriginalUri)).unwrap_or(own_uri),
            peer,
            forwarded_for: headers.all(CheckHeader::ForwardedFor),
            real_ip: text(CheckHeader::RealIp),
            required_scopes: headers.first(CheckHeader::RequiredScopes),
            user_agent: text(CheckHeader::UserAgent),
        }
    }
}

/// The request may go through, on behalf of this key, from this address.
#[derive(Debug, Clone)]
pub struct Allowed {
    pub verified: Verified,
    pub client_ip: Option<IpAddr>,
}

#[derive(Debug, Error)]
pub enum ForwardAuthError {
    /// No key in the request.
    #[error("no key was presented")]
    MissingCredential,
    /// The key does not authenticate for this request, for the reason the
    /// code gives; `required` is what the route asked for.
    #[error("the key was rejected: {}", .code.as_str())]
    Rejected { code: VerificationCode, required: ScopeSet },
    /// The gateway's own required-scopes header names a scope that does not
    /// exist: its configuration is wrong, and nothing is let through.
    #[error("the required scopes the gateway sent are invalid: {0}")]
    InvalidRequiredScopes(#[source] UnknownScope),
    /// Too many failed attempts for this key id or from this client address.
    #[error("too many failed attempts; retry in {} s", .retry_after.as_secs().max(1))]
    RateLimited { retry_after: std::time::Duration },
    /// The key checked out but is over one of its usage limits (rate
    /// limits or credits), as verify and every other request see it.
    #[error("the key is over a usage limit: {}", .0.code.as_str())]
    OverLimit(Box<UsageRejection>),
    #[error("the check failed unexpectedly")]
    Unexpected(#[source] Unexpected),
}

/// Decides one gateway check: the client address from the trusted proxies,
/// the required scopes from the route rules (plus any the gateway adds),
/// then the key through [`Authenticate`], its failures charged to the client
/// address (never to the gateway's: one client relaying bad keys must not
/// lock out every other client behind the same gateway), and one use
/// counted when it passes.
#[derive(Clone)]
pub struct ForwardAuth {
    authenticate: Authenticate,
    policy: Arc<GatewayPolicy>,
}

impl ForwardAuth {
    pub fn new(authenticate: Authenticate, policy: GatewayPolicy) -> Self {
        Self { authenticate, policy: Arc::new(policy) }
    }

    /// # Errors
    /// See [`ForwardAuthError`].
    pub async fn execute(&self, request: &GatewayRequest<'_>) -> Result<Allowed, ForwardAuthError> {
        let client_ip = self.policy.trusted_proxies.client_ip(request.peer, &request.forwarded_for, request.real_ip);
        let required = self.required(request)?;
        let Some(raw) = request.credential.map(str::trim).filter(|raw| !raw.is_empty()) else {
            return Err(ForwardAuthError::MissingCredential);
        };
        let refused = |err| match err {
            AuthenticationError::Rejected(code) => ForwardAuthError::Rejected { code, required: required.clone() },
            AuthenticationError::RateLimited { retry_after } => ForwardAuthError::RateLimited { retry_after },
            AuthenticationError::OverLimit(rejection) => ForwardAuthError::OverLimit(rejection),
            AuthenticationError::Unexpected(e) => ForwardAuthError::Unexpected(e),
        };
        let verified =
            self.authenticate.check_on_behalf(raw, client_ip, client_ip, &required).await.map_err(refused)?;
        // Usage limits spend one unit, exactly as for any authenticated request.
        if UsageLimiter::applies_to(&verified.credential) {
            let admitted = self.authenticate.limits().admit(&verified.credential, 1, self.authenticate.now()).await;
            admitted.map_err(|err| refused(err.into()))?;
        }
        self.authenticate.record_use(&verified, client_ip, request.user_agent);
        Ok(Allowed { verified, client_ip })
    }

    /// The route's scopes, and the gateway's on top: a copy of the header
    /// that an end client slipped through can only ask for more, never less.
    fn required(&self, request: &GatewayRequest<'_>) -> Result<ScopeSet, ForwardAuthError> {
        let by_route = self.policy.routes.required(request.method, request.uri);
        let Some(extra) = request.required_scopes else { return Ok(by_route.clone()) };
        let extra = ScopeSet::parse(extra.split(',').map(str::trim).filter(|s| !s.is_empty()))
            .map_err(ForwardAuthError::InvalidRequiredScopes)?;
        Ok(by_route.iter().chain(extra.iter()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authentication::FailureLimits;
    use crate::test_support::*;
    use crate::usage::UsageBuffer;
    use sesame_domain::ports::{MockApiKeyRepository, MockSecretHasher};
    use sesame_domain::{IpAllowList, RouteRule, Scope};

    fn policy() -> GatewayPolicy {
        GatewayPolicy {
            routes: RouteRules::new(
                vec![RouteRule::parse(["POST"], "/products/**", ["products.create"]).unwrap()],
                ScopeSet::parse(["products.read"]).unwrap(),
            ),
            trusted_proxies: TrustedProxies::parse(["127.0.0.1"]).unwrap(),
        }
    }

    fn forward_auth(key: sesame_domain::ApiKey) -> (ForwardAuth, UsageBuffer) {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().returning(move |_| Ok(Some(credential(key.clone()))));
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        hasher.expect_needs_rehash().return_const(false);
        let (auth, usage) = authenticate_with(keys, hasher, fixed_clock(), FailureLimits::default());
        (ForwardAuth::new(auth, policy()), usage)
    }

    fn request<'a>(raw: &'a str, method: &'a str, uri: &'a str) -> GatewayRequest<'a> {
        GatewayRequest {
            credential: Some(raw),
            method,
            uri,
            peer: Some("127.0.0.1".parse().unwrap()),
            ..GatewayRequest::default()
        }
    }

    fn key_with(scopes: &[Scope]) -> sesame_domain::ApiKey {
        sesame_domain::ApiKey { scopes: scopes.iter().copied().collect(), ..active_key() }
    }

    fn code_of(result: Result<Allowed, ForwardAuthError>) -> VerificationCode {
        match result {
            Ok(_) => VerificationCode::Valid,
            Err(ForwardAuthError::Rejected { code, .. }) => code,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_key_holding_the_routes_scope_is_allowed_and_counts_one_use() {
        let (auth, usage) = forward_auth(key_with(&[Scope::ProductsCreate]));
        let raw = token().expose();
        let allowed = auth.execute(&request(&raw, "POST", "/products/1")).await.unwrap();
        assert_eq!(allowed.client_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(usage.pending(), 1);
    }

    #[tokio::test]
    async fn the_route_rule_decides_the_scope_and_the_default_covers_the_rest() {
        let (auth, usage) = forward_auth(key_with(&[Scope::ProductsCreate]));
        let raw = token().expose();
        let denied = auth.execute(&request(&raw, "GET", "/products/1")).await;
        match denied {
            Err(ForwardAuthError::Rejected { code, required }) => {
                assert_eq!(code, VerificationCode::InsufficientScope);
                assert_eq!(required.names(), ["products.read"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(usage.pending(), 0, "a denied check counts no use");
    }

    #[tokio::test]
    async fn the_gateways_header_adds_scopes_and_can_never_remove_the_routes() {
        let (auth, _) = forward_auth(key_with(&[Scope::ProductsRead]));
        let raw = token().expose();
        let mut req = request(&raw, "GET", "/x");
        req.required_scopes = Some("");
        assert_eq!(code_of(auth.execute(&req).await), VerificationCode::Valid);
        req.required_scopes = Some(" products.read , invoices.read");
        assert_eq!(code_of(auth.execute(&req).await), VerificationCode::InsufficientScope);
        let mut req = request(&raw, "POST", "/products");
        req.required_scopes = Some("products.read");
        assert_eq!(code_of(auth.execute(&req).await), VerificationCode::InsufficientScope);
    }

    #[tokio::test]
    async fn an_unknown_scope_in_the_gateways_header_lets_nothing_through() {
        let (auth, _) = forward_auth(active_key());
        let raw = token().expose();
        let mut req = request(&raw, "GET", "/x");
        req.required_scopes = Some("products.fly");
        assert!(matches!(auth.execute(&req).await, Err(ForwardAuthError::InvalidRequiredScopes(_))));
    }

    #[tokio::test]
    async fn no_key_is_missing_and_is_not_looked_up() {
        let (auth, _) = forward_auth(active_key());
        let mut req = request("  ", "GET", "/x");
        assert!(matches!(auth.execute(&req).await, Err(ForwardAuthError::MissingCredential)));
        req.credential = None;
        assert!(matches!(auth.execute(&req).await, Err(ForwardAuthError::MissingCredential)));
    }

    #[tokio::test]
    async fn the_allow_list_is_checked_against_the_client_a_trusted_proxy_names() {
        let key =
            sesame_domain::ApiKey { ip_allow_list: IpAllowList::parse(["198.51.100.0/24"]).unwrap(), ..active_key() };
        let (auth, _) = forward_auth(key);
        let raw = token().expose();
        let mut req = request(&raw, "GET", "/x");
        req.forwarded_for = vec!["198.51.100.7"];
        let allowed = auth.execute(&req).await.unwrap();
        assert_eq!(allowed.client_ip, Some("198.51.100.7".parse().unwrap()));
        req.forwarded_for = vec!["203.0.113.1"];
        assert_eq!(code_of(auth.execute(&req).await), VerificationCode::ForbiddenIp);
    }

    #[tokio::test]
    async fn an_untrusted_peer_cannot_borrow_an_allowed_address() {
        let key =
            sesame_domain::ApiKey { ip_allow_list: IpAllowList::parse(["198.51.100.0/24"]).unwrap(), ..active_key() };
        let (auth, _) = forward_auth(key);
        let raw = token().expose();
        let mut req = request(&raw, "GET", "/x");
        req.peer = Some("203.0.113.1".parse().unwrap());
        req.forwarded_for = vec!["198.51.100.7"];
        req.real_ip = Some("198.51.100.7");
        assert_eq!(code_of(auth.execute(&req).await), VerificationCode::ForbiddenIp);
    }

    struct Sent(Vec<(CheckHeader, &'static str)>);

    impl CheckHeaders<'static> for Sent {
        fn first(&self, name: CheckHeader) -> Option<&'static str> {
            self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        }

        fn all(&self, name: CheckHeader) -> Vec<&'static str> {
            self.0.iter().filter(|(n, _)| *n == name).map(|(_, v)| *v).collect()
        }
    }

    #[test]
    fn the_key_comes_from_a_bearer_authorization_first_then_the_key_header() {
        let read =
            |sent: Vec<(CheckHeader, &'static str)>| GatewayRequest::read(&Sent(sent), "GET", "/gateway/auth", None);
        let both = read(vec![(CheckHeader::Authorization, "Bearer  abc "), (CheckHeader::Key, "def")]);
        assert_eq!(both.credential, Some("abc"));
        let basic = read(vec![(CheckHeader::Authorization, "Basic Zm9v"), (CheckHeader::Key, " def ")]);
        assert_eq!(basic.credential, Some("def"), "another scheme is not a key");
        assert_eq!(read(vec![(CheckHeader::Authorization, "Bearer ")]).credential, None);
        assert_eq!(read(vec![(CheckHeader::Key, "  ")]).credential, None);
    }

    #[test]
    fn the_original_request_comes_from_the_forwarded_headers_then_the_original_ones_then_the_check_itself() {
        let read = |sent: Vec<(CheckHeader, &'static str)>, target: &'static str| {
            let request = GatewayRequest::read(&Sent(sent), "DELETE", target, None);
            (request.method, request.uri)
        };
        let forwarded = vec![
            (CheckHeader::ForwardedMethod, "POST"),
            (CheckHeader::ForwardedUri, "/a"),
            (CheckHeader::OriginalMethod, "PUT"),
            (CheckHeader::OriginalUri, "/b"),
        ];
        assert_eq!(read(forwarded, "/gateway/auth"), ("POST", "/a"));
        let original = vec![(CheckHeader::OriginalMethod, "PUT"), (CheckHeader::OriginalUri, "/b?x=1")];
        assert_eq!(read(original, "/gateway/auth"), ("PUT", "/b?x=1"));
        assert_eq!(
            read(vec![], "/gateway/auth/v1/products?id=2"),
            ("DELETE", "/v1/products?id=2"),
            "Envoy's HTTP mode"
        );
        assert_eq!(read(vec![], "/gateway/auth"), ("DELETE", "/"));
        assert_eq!(read(vec![], "/gateway/auth?x=1"), ("DELETE", "/"), "no path after the check's");
    }

    #[test]
    fn every_forwarded_for_value_is_kept_in_order() {
        let sent = Sent(vec![(CheckHeader::ForwardedFor, "203.0.113.1"), (CheckHeader::ForwardedFor, "198.51.100.7")]);
        let request = GatewayRequest::read(&sent, "GET", "/gateway/auth", None);
        assert_eq!(request.forwarded_for, ["203.0.113.1", "198.51.100.7"]);
    }
}
