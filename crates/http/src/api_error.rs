//! The one place where errors become kinds and statuses. An `ApiError` holds
//! what went wrong as values (the bad fields, the scopes a caller lacks, when
//! to retry, the methods allowed); each dialect renders its message and body
//! from them in its own words.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use sesame_application::api_keys::{CreateApiKeyError, ImportApiKeysError, KeyManagementError, VerifyError};
use sesame_application::authentication::{AccessTokenAuthenticationError, AuthenticationError};
use sesame_application::limits::ratelimit_fields;
use sesame_application::limits::UsageRejection;
use sesame_application::organizations::OrganizationError;
use sesame_application::service_accounts::ServiceAccountError;
use sesame_application::support::{ListError, ValidationErrors};
use sesame_application::Unexpected;
use sesame_domain::ports::{AccessTokenError, StorageUnavailable};
use sesame_domain::{Forbidden, Scope, VerificationCode};

/// What kind of failure, whichever dialect tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body, query or path could not be read as the endpoint needs.
    BadRequest,
    /// The request was readable but fields break the rules.
    Validation,
    /// No key, or a key that does not authenticate.
    Unauthenticated,
    /// Authenticated, but not allowed to do this.
    Forbidden,
    /// Nothing here that the caller may see.
    NotFound,
    /// The path exists, but not with this method.
    MethodNotAllowed,
    /// The resource's state forbids the change (revoked, deactivated).
    Conflict,
    /// The body did not arrive within the server's deadline.
    RequestTimeout,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// Too many failed attempts for a key id or from an IP, or a key over
    /// one of its rate limits or credits.
    TooManyRequests,
    /// Logged with its cause; the client gets only the request id.
    Internal,
    /// The database cannot be reached: nothing was done, retry shortly.
    Unavailable,
}

impl ErrorKind {
    /// The one table from kind to status. A dialect may answer a kind with
    /// another status (`ErrorShape::status`), starting from this one.
    pub const fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// How a dialect names Sesame's scopes when it tells a caller what it
/// lacks. The defaults are Sesame's own words.
pub trait Vocabulary {
    /// The word for one scope.
    const SCOPE: &'static str = "scope";
    /// The word for several.
    const SCOPES: &'static str = "scopes";

    /// `scope` as the dialect's clients know it.
    fn scope_name(scope: Scope) -> Cow<'static, str> {
        Cow::Borrowed(scope.as_str())
    }
}

/// Sesame's own words: the native API's, and the logs'.
pub struct SesameWords;

impl Vocabulary for SesameWords {}

/// What a caller asked to do with scopes it does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Create a key holding them.
    Grant,
    /// Give them to a key, or change a key holding them.
    GrantOrManage,
    /// Revoke keys holding them (deleting a service account).
    RevokeHolding,
}

impl Refused {
    fn verb(self) -> &'static str {
        match self {
            Refused::Grant => "cannot grant",
            Refused::GrantOrManage => "can neither grant nor manage",
            Refused::RevokeHolding => "cannot revoke keys holding",
        }
    }
}

/// What went wrong, as values a dialect renders.
#[derive(Debug)]
enum Detail {
    /// A sentence that names nothing a dialect calls differently.
    Said(Cow<'static, str>),
    /// Each bad field and what is wrong with it, in the order found.
    Fields(ValidationErrors),
    /// The scope the operation needs.
    MissingScope(Scope),
    /// Scopes the caller does not hold but asked to grant, manage or revoke.
    Ungrantable { refused: Refused, scopes: Vec<Scope> },
    /// Whole seconds until a retry may succeed.
    RetryAfter(u64),
    /// A key over a usage limit: which, and the `RateLimit-Policy` and
    /// `RateLimit` field values (empty when only credits ran out).
    OverLimit { code: VerificationCode, retry_after: Option<u64>, policy: String, state: String },
    /// The method sent and those the path serves (`Allow`).
    Method { method: String, allowed: &'static str },
    /// What failed inside; never shown to the client.
    Cause(Unexpected),
    /// Storage out of reach: the cause is logged, the client told when to retry.
    Unreachable(Unexpected),
}

/// Seconds a client is told to wait when the database is unavailable: the
/// pool reconnects by itself as soon as it answers again.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    detail: Detail,
}

impl ApiError {
    fn new(kind: ErrorKind, detail: Detail) -> Self {
        Self { kind, detail }
    }

    /// A 400 naming the part of the request that could not be read.
    pub fn bad_request(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::BadRequest, Detail::Fields(ValidationErrors::single(field, message)))
    }

    /// A query string that could not be read, however the handler reads it.
    /// A missing parameter is named as the field it is.
    pub fn unreadable_query(err: impl fmt::Display) -> Self {
        let message = err.to_string();
        let missing = message.split_once("missing field `").and_then(|(_, rest)| rest.split_once('`'));
        match missing {
            Some((field, _)) => Self::bad_request(field, "is required"),
            None => Self::bad_request("query", message),
        }
    }

    /// Fields that break the rules.
    pub fn invalid(errors: ValidationErrors) -> Self {
        Self::new(ErrorKind::Validation, Detail::Fields(errors))
    }

    pub fn unauthenticated(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unauthenticated, Detail::Said(message.into()))
    }

    /// A refusal that names no scope.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Forbidden, Detail::Said(message.into()))
    }

    pub fn missing_scope(scope: Scope) -> Self {
        Self::new(ErrorKind::Forbidden, Detail::MissingScope(scope))
    }

    pub fn ungrantable(refused: Refused, scopes: Vec<Scope>) -> Self {
        Self::new(ErrorKind::Forbidden, Detail::Ungrantable { refused, scopes })
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, Detail::Said(message.into()))
    }

    pub fn method_not_allowed(method: impl fmt::Display, allowed: &'static str) -> Self {
        Self::new(ErrorKind::MethodNotAllowed, Detail::Method { method: method.to_string(), allowed })
    }

    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, Detail::Said(message.into()))
    }

    /// The body was still arriving when `deadline` passed.
    pub fn body_too_slow(deadline: Duration) -> Self {
        let message = format!("body: did not arrive within {} s", deadline.as_secs().max(1));
        Self::new(ErrorKind::RequestTimeout, Detail::Said(message.into()))
    }

    /// The body is larger than `limit` bytes (`server.max_body_bytes`).
    pub fn body_too_large(limit: usize) -> Self {
        let message = format!("body: is larger than the {limit} bytes this server accepts");
        Self::new(ErrorKind::PayloadTooLarge, Detail::Said(message.into()))
    }

    /// Whole seconds, rounded up, never 0: `Retry-After` has no fractions.
    pub fn too_many(retry_after: Duration) -> Self {
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Self::new(ErrorKind::TooManyRequests, Detail::RetryAfter(secs.max(1)))
    }

    /// A key over one of its usage limits: 429, with `Retry-After` (when a
    /// retry can succeed) and the IETF httpapi draft's `RateLimit-Policy`
    /// and `RateLimit` fields for every limit the key carries.
    pub fn over_limit(rejection: &UsageRejection) -> Self {
        let retry_after = rejection.retry_after.map(|d| (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1));
        let (policy, state) = ratelimit_fields(&rejection.report.rate_limits, chrono::Utc::now());
        Self::new(ErrorKind::TooManyRequests, Detail::OverLimit { code: rejection.code, retry_after, policy, state })
    }

    /// A failure inside: 500, or 503 when its cause is storage that
    /// cannot be reached ([`StorageUnavailable`] in its chain).
    pub fn internal(cause: impl Into<Unexpected>) -> Self {
        let cause = cause.into();
        if StorageUnavailable::in_chain(cause.as_ref()) {
            return Self::new(ErrorKind::Unavailable, Detail::Unreachable(cause));
        }
        Self::new(ErrorKind::Internal, Detail::Cause(cause))
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The bad fields of a 400 or 422.
    pub fn fields(&self) -> Option<&ValidationErrors> {
        match &self.detail {
            Detail::Fields(errors) => Some(errors),
            _ => None,
        }
    }

    /// Each bad field and what is wrong with it, a field's problems joined.
    pub fn field_map(&self) -> Option<BTreeMap<String, String>> {
        let errors = self.fields()?;
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

    /// What went wrong, safe to show the client, with scopes named in `V`'s
    /// words: an internal error's cause stays in the logs.
    pub fn message_in<V: Vocabulary>(&self) -> String {
        match &self.detail {
            Detail::Said(message) => message.clone().into_owned(),
            Detail::Fields(errors) if self.kind == ErrorKind::Validation => format!("the request is invalid: {errors}"),
            Detail::Fields(errors) => errors.to_string(),
            Detail::MissingScope(scope) => format!("this key lacks the `{}` {}", V::scope_name(*scope), V::SCOPE),
            Detail::Ungrantable { refused, scopes } => {
                let names: Vec<String> = scopes.iter().map(|&s| format!("`{}`", V::scope_name(s))).collect();
                format!("the caller {} {} it does not hold: {}", refused.verb(), V::SCOPES, names.join(", "))
            }
            Detail::RetryAfter(secs) => format!("too many failed attempts; retry after {secs} s"),
            Detail::OverLimit { code: VerificationCode::RateLimited, retry_after, .. } => {
                format!("this key is over its rate limit; retry after {} s", retry_after.unwrap_or(1))
            }
            Detail::OverLimit { retry_after: Some(secs), .. } => {
                format!("this key's credits are used up; they refill in {secs} s")
            }
            Detail::OverLimit { .. } => "this key's credits are used up".to_owned(),
            Detail::Method { method, allowed } => format!("{method} is not allowed here; allowed: {allowed}"),
            Detail::Cause(_) => "Something went wrong on our side; quote the support id".to_owned(),
            Detail::Unreachable(_) => format!(
                "the database is unavailable; nothing was changed; retry after {UNAVAILABLE_RETRY_AFTER_SECS} s"
            ),
        }
    }

    /// A response with `status` and this error's headers (`Retry-After`,
    /// `Allow`, `WWW-Authenticate`); logs an internal error's cause. Every
    /// dialect's error response starts here.
    pub(crate) fn response_builder(&self, status: StatusCode) -> HttpResponseBuilder {
        let mut res = HttpResponse::build(status);
        match &self.detail {
            Detail::Cause(cause) => {
                tracing::error!(error = %cause, source = ?cause.source(), "request failed unexpectedly");
            }
            Detail::RetryAfter(secs) => {
                res.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            Detail::OverLimit { retry_after, policy, state, .. } => {
                if let Some(secs) = retry_after {
                    res.insert_header((header::RETRY_AFTER, secs.to_string()));
                }
                if !policy.is_empty() {
                    res.insert_header(("RateLimit-Policy", policy.as_str()));
                    res.insert_header(("RateLimit", state.as_str()));
                }
            }
            Detail::Unreachable(cause) => {
                tracing::warn!(error = %cause, source = ?cause.source(), "the database is unavailable");
                res.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECS.to_string()));
            }
            Detail::Method { allowed, .. } => {
                res.insert_header((header::ALLOW, *allowed));
            }
            _ => {}
        }
        if self.kind == ErrorKind::Unauthenticated {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"sesame\"")));
        }
        res
    }
}

/// Sesame's wording, as the logs and the native API show it.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail {
            Detail::Cause(_) => f.write_str("internal error"),
            Detail::Unreachable(_) => f.write_str("database unavailable"),
            _ => f.write_str(&self.message_in::<SesameWords>()),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.detail {
            Detail::Cause(cause) | Detail::Unreachable(cause) => Some(cause.as_ref()),
            _ => None,
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(err: Forbidden) -> Self {
        ApiError::missing_scope(err.missing)
    }
}

impl From<AuthenticationError> for ApiError {
    fn from(err: AuthenticationError) -> Self {
        match err {
            AuthenticationError::Rejected(code) => match code {
                VerificationCode::ForbiddenIp => ApiError::forbidden("this key may not be used from this IP address"),
                VerificationCode::Malformed => ApiError::unauthenticated("the API key is malformed"),
                VerificationCode::Expired => ApiError::unauthenticated("the API key has expired"),
                VerificationCode::Revoked => ApiError::unauthenticated("the API key has been revoked"),
                VerificationCode::OrganizationDeactivated => {
                    ApiError::unauthenticated("the API key's organization is deactivated")
                }
                VerificationCode::NotFound
                | VerificationCode::Valid
                | VerificationCode::InsufficientScope
                | VerificationCode::RateLimited
                | VerificationCode::UsageExceeded => ApiError::unauthenticated("the API key is not valid"),
            },
            AuthenticationError::RateLimited { retry_after } => ApiError::too_many(retry_after),
            AuthenticationError::OverLimit(rejection) => ApiError::over_limit(&rejection),
            AuthenticationError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<CreateApiKeyError> for ApiError {
    fn from(err: CreateApiKeyError) -> Self {
        match err {
            CreateApiKeyError::Validation(errors) => ApiError::invalid(errors),
            CreateApiKeyError::Forbidden(f) => f.into(),
            CreateApiKeyError::Escalation { scopes } => ApiError::ungrantable(Refused::Grant, scopes),
            CreateApiKeyError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<ImportApiKeysError> for ApiError {
    fn from(err: ImportApiKeysError) -> Self {
        match err {
            ImportApiKeysError::Validation(errors) => ApiError::invalid(errors),
            ImportApiKeysError::Forbidden(f) => f.into(),
            ImportApiKeysError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<KeyManagementError> for ApiError {
    fn from(err: KeyManagementError) -> Self {
        match err {
            KeyManagementError::Validation(errors) => ApiError::invalid(errors),
            KeyManagementError::Forbidden(f) => f.into(),
            KeyManagementError::Escalation { scopes } => ApiError::ungrantable(Refused::GrantOrManage, scopes),
            KeyManagementError::NotFound => ApiError::not_found("no such API key"),
            KeyManagementError::Revoked => ApiError::conflict("the API key is revoked"),
            KeyManagementError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<ListError> for ApiError {
    fn from(err: ListError) -> Self {
        match err {
            ListError::Validation(errors) => ApiError::invalid(errors),
            ListError::Forbidden(f) => f.into(),
            ListError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(err: VerifyError) -> Self {
        match err {
            VerifyError::Validation(errors) => ApiError::invalid(errors),
            VerifyError::Forbidden(f) => f.into(),
            VerifyError::RateLimited { retry_after } => ApiError::too_many(retry_after),
            VerifyError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<OrganizationError> for ApiError {
    fn from(err: OrganizationError) -> Self {
        match err {
            OrganizationError::Validation(errors) => ApiError::invalid(errors),
            OrganizationError::Forbidden(f) => f.into(),
            OrganizationError::NotFound => ApiError::not_found("no such organization"),
            OrganizationError::OwnOrganization => ApiError::conflict("a key cannot deactivate its own organization"),
            OrganizationError::Deactivated => ApiError::conflict("the organization is deactivated"),
            OrganizationError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<ServiceAccountError> for ApiError {
    fn from(err: ServiceAccountError) -> Self {
        match err {
            ServiceAccountError::Validation(errors) => ApiError::invalid(errors),
            ServiceAccountError::Forbidden(f) => f.into(),
            ServiceAccountError::NotFound => ApiError::not_found("no such service account"),
            ServiceAccountError::Deleted => ApiError::conflict("the service account is deleted"),
            err @ ServiceAccountError::KeysElsewhere { .. } => ApiError::conflict(err.to_string()),
            ServiceAccountError::Escalation { scopes } => ApiError::ungrantable(Refused::RevokeHolding, scopes),
            ServiceAccountError::Unexpected(cause) => ApiError::internal(cause),
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
            AccessTokenAuthenticationError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sesames_words_name_scopes_as_the_domain_does() {
        let missing = ApiError::from(Forbidden { missing: Scope::ApiKeysCreate });
        assert_eq!(missing.to_string(), Forbidden { missing: Scope::ApiKeysCreate }.to_string());
        let beyond = ApiError::ungrantable(Refused::GrantOrManage, vec![Scope::ProductsCreate, Scope::InvoicesRead]);
        assert_eq!(
            beyond.to_string(),
            "the caller can neither grant nor manage scopes it does not hold: `products.create`, `invoices.read`"
        );
    }

    #[test]
    fn field_errors_read_as_one_sentence_and_one_entry_a_field() {
        let mut errors = ValidationErrors::single("label", "must not be blank");
        errors.add("label", "is too long");
        let error = ApiError::invalid(errors);
        assert_eq!(error.to_string(), "the request is invalid: label: must not be blank; label: is too long");
        assert_eq!(error.field_map().unwrap()["label"], "must not be blank; is too long");
        assert_eq!(ApiError::bad_request("body", "is too large").to_string(), "body: is too large");
    }

    #[test]
    fn an_internal_error_shows_no_cause() {
        let error = ApiError::internal("the database is gone");
        assert_eq!(error.to_string(), "internal error");
        assert!(!error.message_in::<SesameWords>().contains("database"));
        assert_eq!(error.kind().status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let error = ApiError::too_many(Duration::from_millis(41_001));
        assert_eq!(error.to_string(), "too many failed attempts; retry after 42 s");
        assert_eq!(ApiError::too_many(Duration::ZERO).to_string(), "too many failed attempts; retry after 1 s");
    }
}
