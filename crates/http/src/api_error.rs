//! The one place where errors become HTTP statuses and envelopes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use sesame_application::{
    AccessTokenAuthenticationError, AuthenticationError, CreateApiKeyError, KeyManagementError, ListError,
    OrganizationError, ServiceAccountError, Unexpected, ValidationErrors, VerifyError,
};
use sesame_domain::ports::AccessTokenError;
use sesame_domain::{Forbidden, Scope, VerificationCode};
use thiserror::Error;

use crate::dialects::native::{current_env, ErrorEnvelope, LogInfo};

#[derive(Debug, Error)]
pub enum ApiError {
    /// 400: the body, query or path could not be read as the endpoint needs.
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    /// 422: the request was readable but fields break the rules.
    #[error("the request is invalid: {0}")]
    Validation(ValidationErrors),
    /// 401: no key, or a key that does not authenticate.
    #[error("{0}")]
    Unauthenticated(Cow<'static, str>),
    /// 403: authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing here that the caller may see.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, but not with this method.
    #[error("{method} is not allowed here; allowed: {allowed}")]
    MethodNotAllowed { method: String, allowed: &'static str },
    /// 409: the resource's state forbids the change (revoked, deactivated).
    #[error("{0}")]
    Conflict(String),
    /// 429: too many failed attempts for a key id or from an IP.
    #[error("too many failed attempts; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// 500: logged with its cause; the client gets only the request id.
    #[error("internal error")]
    Internal(#[source] Unexpected),
}

impl ApiError {
    pub fn unauthenticated(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Unauthenticated(message.into())
    }
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest { field: field.into(), message: message.into() }
    }
    /// Whole seconds, rounded up, never 0: `Retry-After` has no fractions.
    fn too_many(retry_after: std::time::Duration) -> Self {
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Self::TooManyRequests { retry_after_secs: secs.max(1) }
    }

    fn message(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "The request could not be read",
            ApiError::Validation(_) => "The request is invalid",
            ApiError::Unauthenticated(_) => "Authentication failed",
            ApiError::Forbidden(_) => "Permission denied",
            ApiError::NotFound(_) => "Resource not found",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::Conflict(_) => "The resource's state forbids this",
            ApiError::TooManyRequests { .. } => "Too many failed attempts",
            ApiError::Internal(_) => "Internal server error",
        }
    }

    /// Each bad field and what is wrong with it, for 400 and 422.
    pub(crate) fn validator(&self) -> Option<BTreeMap<String, String>> {
        match self {
            ApiError::BadRequest { field, message } => Some(BTreeMap::from([(field.clone(), message.clone())])),
            ApiError::Validation(errors) => {
                let mut map: BTreeMap<String, String> = BTreeMap::new();
                for e in errors.fields() {
                    map.entry(e.field.clone())
                        .and_modify(|m| {
                            m.push_str("; ");
                            m.push_str(&e.message);
                        })
                        .or_insert_with(|| e.message.clone());
                }
                Some(map)
            }
            _ => None,
        }
    }

    /// What went wrong, safe to show the client: an internal error's cause
    /// stays in the logs.
    pub(crate) fn detail(&self) -> String {
        match self {
            ApiError::Internal(_) => "Something went wrong on our side; quote the support id".to_owned(),
            other => other.to_string(),
        }
    }

    /// A response with `status` and this error's headers (`Retry-After`,
    /// `WWW-Authenticate`); logs an internal error's cause. Every dialect's
    /// error shape starts here.
    pub(crate) fn response_builder(&self, status: StatusCode) -> HttpResponseBuilder {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = %cause, source = ?cause.source(), "request failed unexpectedly");
        }
        let mut res = HttpResponse::build(status);
        if let ApiError::TooManyRequests { retry_after_secs } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let ApiError::MethodNotAllowed { allowed, .. } = self {
            res.insert_header((header::ALLOW, *allowed));
        }
        if matches!(self, ApiError::Unauthenticated(_)) {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"sesame\"")));
        }
        res
    }

    /// The envelope for this error, with the current request's id.
    pub fn envelope(&self) -> ErrorEnvelope {
        let log = LogInfo::current();
        let support_id = match self {
            ApiError::Internal(_) => log.as_ref().map(|l| l.request_id.clone()),
            _ => None,
        };
        let error = self.detail();
        ErrorEnvelope {
            status: self.status_code().as_u16(),
            data: None,
            message: Some(self.message().to_owned()),
            error: Some(error),
            log,
            validator: self.validator(),
            support_id,
            env: current_env(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.response_builder(self.status_code()).json(self.envelope())
    }
}

fn scope_list(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

impl From<Forbidden> for ApiError {
    fn from(err: Forbidden) -> Self {
        ApiError::Forbidden(err.to_string())
    }
}

impl From<AuthenticationError> for ApiError {
    fn from(err: AuthenticationError) -> Self {
        match err {
            AuthenticationError::Rejected(code) => match code {
                VerificationCode::ForbiddenIp => {
                    ApiError::Forbidden("this key may not be used from this IP address".to_owned())
                }
                VerificationCode::Malformed => ApiError::unauthenticated("the API key is malformed"),
                VerificationCode::Expired => ApiError::unauthenticated("the API key has expired"),
                VerificationCode::Revoked => ApiError::unauthenticated("the API key has been revoked"),
                VerificationCode::OrganizationDeactivated => {
                    ApiError::unauthenticated("the API key's organization is deactivated")
                }
                VerificationCode::NotFound | VerificationCode::Valid | VerificationCode::InsufficientScope => {
                    ApiError::unauthenticated("the API key is not valid")
                }
            },
            AuthenticationError::RateLimited { retry_after } => ApiError::too_many(retry_after),
            AuthenticationError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<CreateApiKeyError> for ApiError {
    fn from(err: CreateApiKeyError) -> Self {
        match err {
            CreateApiKeyError::Validation(errors) => ApiError::Validation(errors),
            CreateApiKeyError::Forbidden(f) => f.into(),
            CreateApiKeyError::Escalation { scopes } => {
                ApiError::Forbidden(format!("the caller cannot grant scopes it does not hold: {}", scope_list(&scopes)))
            }
            CreateApiKeyError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<KeyManagementError> for ApiError {
    fn from(err: KeyManagementError) -> Self {
        match err {
            KeyManagementError::Validation(errors) => ApiError::Validation(errors),
            KeyManagementError::Forbidden(f) => f.into(),
            KeyManagementError::Escalation { scopes } => ApiError::Forbidden(format!(
                "the caller can neither grant nor manage scopes it does not hold: {}",
                scope_list(&scopes)
            )),
            KeyManagementError::NotFound => ApiError::NotFound("no such API key".to_owned()),
            KeyManagementError::Revoked => ApiError::Conflict("the API key is revoked".to_owned()),
            KeyManagementError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<ListError> for ApiError {
    fn from(err: ListError) -> Self {
        match err {
            ListError::Validation(errors) => ApiError::Validation(errors),
            ListError::Forbidden(f) => f.into(),
            ListError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(err: VerifyError) -> Self {
        match err {
            VerifyError::Validation(errors) => ApiError::Validation(errors),
            VerifyError::Forbidden(f) => f.into(),
            VerifyError::RateLimited { retry_after } => ApiError::too_many(retry_after),
            VerifyError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<OrganizationError> for ApiError {
    fn from(err: OrganizationError) -> Self {
        match err {
            OrganizationError::Validation(errors) => ApiError::Validation(errors),
            OrganizationError::Forbidden(f) => f.into(),
            OrganizationError::NotFound => ApiError::NotFound("no such organization".to_owned()),
            OrganizationError::OwnOrganization => {
                ApiError::Conflict("a key cannot deactivate its own organization".to_owned())
            }
            OrganizationError::Deactivated => ApiError::Conflict("the organization is deactivated".to_owned()),
            OrganizationError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<ServiceAccountError> for ApiError {
    fn from(err: ServiceAccountError) -> Self {
        match err {
            ServiceAccountError::Validation(errors) => ApiError::Validation(errors),
            ServiceAccountError::Forbidden(f) => f.into(),
            ServiceAccountError::NotFound => ApiError::NotFound("no such service account".to_owned()),
            ServiceAccountError::Deleted => ApiError::Conflict("the service account is deleted".to_owned()),
            err @ ServiceAccountError::KeysElsewhere { .. } => ApiError::Conflict(err.to_string()),
            ServiceAccountError::Escalation { scopes } => ApiError::Forbidden(format!(
                "the caller cannot revoke keys holding scopes it does not hold: {}",
                scope_list(&scopes)
            )),
            ServiceAccountError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<AccessTokenAuthenticationError> for ApiError {
    fn from(err: AccessTokenAuthenticationError) -> Self {
        match err {
            AccessTokenAuthenticationError::Token(AccessTokenError::Expired) => {
                ApiError::unauthenticated("The access token expired.")
            }
            AccessTokenAuthenticationError::Token(refused) => ApiError::unauthenticated(refused.to_string()),
            AccessTokenAuthenticationError::Rejected(VerificationCode::OrganizationDeactivated) => {
                ApiError::unauthenticated("the access token's organization is deactivated")
            }
            AccessTokenAuthenticationError::Rejected(_) => {
                ApiError::unauthenticated("the access token's organization is not known here")
            }
            AccessTokenAuthenticationError::Unexpected(cause) => ApiError::Internal(cause),
        }
    }
}
