//! `Authorization: Bearer <key>` → the principal the key stands for.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use sesame_application::Verified;
use sesame_domain::{Principal, ScopeSet};

use crate::{ApiError, Services};

/// A request whose bearer key authenticated. Scope checks belong to the use
/// cases; this only establishes who is calling.
pub struct Authenticated {
    pub verified: Verified,
    /// Who the key stands for; what the use cases authorize against.
    pub principal: Principal,
    /// The peer address the key's IP allow list was checked against.
    pub ip: Option<IpAddr>,
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated("send your API key as `Authorization: Bearer <key>`"))?;
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated("the Authorization header is not text"))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated("send your API key as `Authorization: Bearer <key>`"));
    }
    Ok(token.trim().to_owned())
}

/// Like [`Authenticated`], for endpoints that also serve callers without an
/// `Authorization` header. A header that is present must authenticate.
pub struct MaybeAuthenticated {
    pub caller: Option<Authenticated>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ip = req.peer_addr().map(|addr| addr.ip());
        let user_agent = user_agent(req);
        if req.headers().contains_key(header::AUTHORIZATION) {
            let authenticated = Authenticated::from_request(req, payload);
            Box::pin(async move { Ok(MaybeAuthenticated { caller: Some(authenticated.await?), ip, user_agent }) })
        } else {
            Box::pin(async move { Ok(MaybeAuthenticated { caller: None, ip, user_agent }) })
        }
    }
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let services = req.app_data::<web::Data<Services>>().cloned();
        let token = bearer(req);
        let ip = req.peer_addr().map(|addr| addr.ip());
        let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Box::pin(async move {
            let services =
                services.ok_or_else(|| ApiError::Internal("the HTTP adapter was built without services".into()))?;
            let token = token?;
            let verified = services.authenticate.execute(&token, ip, user_agent.as_deref(), &ScopeSet::empty()).await?;
            Ok(Authenticated { principal: verified.principal(), verified, ip })
        })
    }
}
