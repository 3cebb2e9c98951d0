//! `Authorization: Bearer <key>` → the principal the key stands for.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use sesame_application::authentication::{bearer_token, Verified};
use sesame_domain::{Principal, ScopeSet};

use crate::{ApiError, Services};

/// A request whose bearer key authenticated. Scope checks belong to the use
/// cases; this only establishes who is calling.
pub struct Authenticated {
    /// The use cases, so that a handler needs no other extractor to reach them.
    pub services: web::Data<Services>,
    pub verified: Verified,
    /// Who the key stands for, calling from the peer address its IP allow
    /// list was checked against; what the use cases authorize against.
    pub principal: Principal,
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::unauthenticated("send your API key as `Authorization: Bearer <key>`"))?;
    let value = value.to_str().map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
    let token =
        bearer_token(value).ok_or(ApiError::unauthenticated("send your API key as `Authorization: Bearer <key>`"))?;
    Ok(token.to_owned())
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

/// What authenticating a request needs, taken from it before the future
/// runs (the future may not borrow the request).
pub(crate) struct BearerRequest {
    services: Option<web::Data<Services>>,
    token: Result<String, ApiError>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl BearerRequest {
    pub(crate) fn of(req: &HttpRequest) -> Self {
        Self {
            services: req.app_data::<web::Data<Services>>().cloned(),
            token: bearer(req),
            ip: req.peer_addr().map(|addr| addr.ip()),
            user_agent: user_agent(req),
        }
    }

    /// The use cases and the bearer token, or why the request cannot be
    /// authenticated at all.
    pub(crate) fn open(&mut self) -> Result<(web::Data<Services>, String), ApiError> {
        let services =
            self.services.take().ok_or_else(|| ApiError::internal("the HTTP adapter was built without services"))?;
        let token = std::mem::replace(&mut self.token, Ok(String::new()))?;
        Ok((services, token))
    }

    /// Authenticates the token as one of Sesame's keys.
    pub(crate) async fn key(&self, services: &Services, token: &str) -> Result<Verified, ApiError> {
        Ok(services.authenticate.execute(token, self.ip, self.user_agent.as_deref(), &ScopeSet::empty()).await?)
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut request = BearerRequest::of(req);
        Box::pin(async move {
            let (services, token) = request.open()?;
            let verified = request.key(&services, &token).await?;
            Ok(Authenticated { principal: verified.principal(request.ip), verified, services })
        })
    }
}
