//! What every dialect shares: its own error body over the one `ApiError`
//! mapping, extractors whose rejections speak the dialect, and resources
//! whose 405s do.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, Resource, ResponseError};
use serde::Serialize;
use sesame_application::api_keys::{CreateApiKeyError, KeyManagementError};
use sesame_application::authentication::AuthenticationError;
use sesame_application::service_accounts::ServiceAccountError;
use sesame_application::support::ListError;
use utoipa::ToSchema;

use crate::api_error::{ErrorKind, Vocabulary};
use crate::error_case::Case;
use crate::ApiError;

/// How a dialect writes an error. Kinds, statuses and causes come from
/// [`ApiError`]; a dialect chooses its body, its words for Sesame's scopes
/// ([`Vocabulary`]), its own field names and, if it must, another status.
pub trait ErrorShape: Vocabulary + 'static {
    /// What the body is written from.
    type Body: Serialize;
    /// The body's schema, which its documented error responses reference.
    type Schema: ToSchema;
    /// How its error responses describe `X-Request-Id`, if they do.
    const REQUEST_ID_HEADER: Option<&'static str> = None;

    /// `(Sesame's name, the dialect's name)` of each field the dialect
    /// names differently (e.g. `label` → `name`), so that an error names the
    /// field the client sent.
    const FIELD_NAMES: &'static [(&'static str, &'static str)] = &[];

    /// The dialect's name for the field Sesame calls `native`.
    fn field_name(native: &str) -> &str {
        Self::FIELD_NAMES.iter().find(|(sesame, _)| *sesame == native).map_or(native, |(_, dialect)| dialect)
    }

    /// The status this dialect answers with. By default a rule broken by a
    /// readable body is 400, as the documented dialects have no 422.
    fn status(error: &ApiError) -> StatusCode {
        match error.kind() {
            ErrorKind::Validation => StatusCode::BAD_REQUEST,
            kind => kind.status(),
        }
    }

    /// The body of `error`, answered with `status`; `fields` are its bad
    /// fields under the dialect's names.
    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> Self::Body;

    /// What its documentation says of a case: by default the case's own
    /// words.
    fn description(case: Case) -> &'static str {
        case.description()
    }
}

/// Each bad field under the dialect's name for it.
fn renamed_fields<S: ErrorShape>(error: &ApiError) -> Option<BTreeMap<String, String>> {
    error.field_map().map(|fields| {
        fields
            .into_iter()
            .map(|(field, message)| {
                // Keep a nested path's tail (`metadata.x`) after renaming its head.
                let (head, tail) = field.split_once('.').map_or((field.as_str(), None), |(h, t)| (h, Some(t)));
                let head = S::field_name(head);
                (tail.map_or_else(|| head.to_owned(), |t| format!("{head}.{t}")), message)
            })
            .collect()
    })
}

/// "name: is required; scope: …": the fields in one human sentence, or else
/// the error's message in dialect `S`'s words.
pub fn describe<S: ErrorShape>(error: &ApiError, fields: Option<&BTreeMap<String, String>>) -> String {
    match fields {
        Some(fields) if !fields.is_empty() => {
            fields.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; ")
        }
        _ => error.message_in::<S>(),
    }
}

/// What dialect `S` would answer `error` with, as JSON: the example its
/// documentation shows.
pub(crate) fn rendered<S: ErrorShape>(error: &ApiError) -> (StatusCode, serde_json::Value) {
    let status = S::status(error);
    let body = S::body(error, status, renamed_fields::<S>(error));
    (status, serde_json::to_value(body).expect("an error body is JSON"))
}

/// `error` as dialect `S` answers it: its status, its headers, its body.
pub(crate) fn respond<S: ErrorShape>(error: &ApiError) -> HttpResponse {
    let status = S::status(error);
    error.response_builder(status).json(S::body(error, status, renamed_fields::<S>(error)))
}

/// An [`ApiError`] rendered in dialect `S`'s shape.
pub struct DialectError<S> {
    error: ApiError,
    shape: PhantomData<S>,
}

impl<S> DialectError<S> {
    pub fn new(error: ApiError) -> Self {
        Self { error, shape: PhantomData }
    }
}

impl<S> fmt::Debug for DialectError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<S> fmt::Display for DialectError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<S: ErrorShape> ResponseError for DialectError<S> {
    fn status_code(&self) -> StatusCode {
        S::status(&self.error)
    }

    fn error_response(&self) -> HttpResponse {
        respond::<S>(&self.error)
    }
}

/// The use cases' errors reach a dialect through the one native mapping.
macro_rules! through_api_error {
    ($($error:ty),+ $(,)?) => {
        $(impl<S> From<$error> for DialectError<S> {
            fn from(err: $error) -> Self {
                Self::new(ApiError::from(err))
            }
        })+
    };
}

through_api_error!(AuthenticationError, CreateApiKeyError, KeyManagementError, ListError, ServiceAccountError);

impl<S> From<ApiError> for DialectError<S> {
    fn from(error: ApiError) -> Self {
        Self::new(error)
    }
}

/// Extractor `T` (the bearer key, a JSON body, a query) whose rejection is
/// written in dialect `S`'s shape.
pub struct Shaped<S, T>(pub T, PhantomData<S>);

impl<S, T> std::ops::Deref for Shaped<S, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<S: ErrorShape, T> FromRequest for Shaped<S, T>
where
    T: FromRequest + 'static,
    T::Error: Into<ApiError>,
{
    type Error = DialectError<S>;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let inner = T::from_request(req, payload);
        Box::pin(
            async move { inner.await.map(|value| Shaped(value, PhantomData)).map_err(|e| DialectError::new(e.into())) },
        )
    }
}

/// A resource of dialect `S` at `paths`, serving the methods `allowed`
/// names (its routes are added to it): any other is 405 with `Allow`, in the
/// dialect's shape.
pub fn resource<S: ErrorShape>(paths: &[&str], allowed: &'static str) -> Resource {
    web::resource(paths.to_vec()).default_service(web::to(move |req: HttpRequest| async move {
        respond::<S>(&ApiError::method_not_allowed(req.method(), allowed))
    }))
}

/// The query string as `T`; a bad one is a 400 naming `query`.
pub fn query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string()).map(web::Query::into_inner).map_err(ApiError::unreadable_query)
}
