//! A JSON body extractor whose every failure is a 4xx naming the field:
//! wrong content type and unreadable JSON are 400, a readable body with a
//! field of the wrong type, a missing required field or an unknown field is
//! 422 with the field's path (via `serde_path_to_error`).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use sesame_application::support::ValidationErrors;

use crate::{ApiError, HttpConfig};

/// The deadline of a body when the app was built without an `HttpConfig`.
const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// actix-web's own default body limit, when no `HttpConfig` is registered.
const DEFAULT_MAX_BODY_BYTES: usize = 262_144;

/// A resource's own body limit, where it takes larger bodies than
/// `server.max_body_bytes` (an import's batch); registered beside the
/// `web::PayloadConfig` that enforces it, so that a refusal names it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application" && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// serde_json appends "at line 1 column 7": useful for syntax errors only.
fn without_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

fn backticked(message: &str, after: &str) -> Option<String> {
    let rest = message.strip_prefix(after)?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

fn join_path(parent: &str, field: &str) -> String {
    if parent.is_empty() || parent == "." {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

/// Turns a deserialization failure into the field it concerns and a message.
pub(crate) fn describe(path: &str, err: &serde_json::Error) -> ApiError {
    let message = without_position(&err.to_string()).to_owned();
    match err.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof | serde_json::error::Category::Io => {
            ApiError::bad_request("body", format!("is not valid JSON: {}", err))
        }
        serde_json::error::Category::Data => {
            let (field, text) = if let Some(name) = backticked(&message, "missing field `") {
                (join_path(path, &name), "is required".to_owned())
            } else if let Some(name) = backticked(&message, "unknown field `") {
                // The path already ends at the unknown field.
                let field = if path.ends_with(name.as_str()) { path.to_owned() } else { join_path(path, &name) };
                (field, "is not a known field".to_owned())
            } else if path.is_empty() || path == "." {
                ("body".to_owned(), message)
            } else {
                (path.to_owned(), message)
            };
            ApiError::invalid(ValidationErrors::single(field, text))
        }
    }
}

/// `bytes` as JSON of `T`, every failure a 4xx naming the field (what a
/// [`JsonBody`] answers); also for JSON read elsewhere (`sesame import`).
///
/// # Errors
/// Not JSON (400); a field missing, unknown or of the wrong type (422).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| describe(&e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| describe("", &e))?;
    Ok(value)
}

/// A request body, read but not yet parsed. Handlers parse it with
/// [`JsonBody::parse`] once the other extractors (authentication first of
/// all) have succeeded, so an unauthenticated caller learns nothing about
/// what the body should hold.
pub struct JsonBody<T> {
    bytes: web::Bytes,
    is_json: bool,
    shape: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// The body as it arrived, for a signature over its exact bytes.
    pub fn raw(&self) -> &[u8] {
        &self.bytes
    }

    /// # Errors
    /// 400 for a wrong content type or unreadable JSON, 422 naming the field
    /// for a readable body of the wrong shape.
    pub fn parse(self) -> Result<T, ApiError> {
        if !self.is_json {
            return Err(ApiError::bad_request("Content-Type", "must be application/json"));
        }
        parse(&self.bytes)
    }

    /// As [`JsonBody::parse`], but an empty body, or a JSON `null` (an
    /// optional body the document types as nullable), stands for
    /// `T::default()`.
    ///
    /// # Errors
    /// As [`JsonBody::parse`].
    pub fn parse_or_default(self) -> Result<T, ApiError>
    where
        T: Default + DeserializeOwned,
    {
        if self.bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(T::default());
        }
        if !self.is_json {
            return Err(ApiError::bad_request("Content-Type", "must be application/json"));
        }
        parse::<Option<T>>(&self.bytes).map(Option::unwrap_or_default)
    }
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req);
        let config = req.app_data::<web::Data<HttpConfig>>();
        let deadline = config.map_or(DEFAULT_BODY_TIMEOUT, |c| c.body_timeout);
        let limit = match req.app_data::<BodyLimit>() {
            Some(own) => own.0,
            None => config.map_or(DEFAULT_MAX_BODY_BYTES, |c| c.max_body_bytes),
        };
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            // A body sent a byte at a time would hold the connection forever.
            let bytes = tokio::time::timeout(deadline, bytes).await.map_err(|_| ApiError::body_too_slow(deadline))?;
            let bytes = bytes.map_err(|err| match err.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => ApiError::body_too_large(limit),
                _ => ApiError::bad_request("body", "could not be read"),
            })?;
            Ok(JsonBody { bytes, is_json, shape: PhantomData })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ErrorKind;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        label: String,
        scopes: Option<Vec<String>>,
    }

    fn error_for(json: &str) -> ApiError {
        let mut de = serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Body>(&mut de).unwrap_err();
        describe(&err.path().to_string(), err.inner())
    }

    fn validator_of(err: ApiError) -> Vec<(String, String)> {
        let fields = err.fields().unwrap_or_else(|| panic!("unexpected {err:?}"));
        fields.fields().iter().map(|f| (f.field.clone(), f.message.clone())).collect()
    }

    #[test]
    fn a_missing_required_field_is_named() {
        assert_eq!(validator_of(error_for("{}")), vec![("label".into(), "is required".into())]);
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_with_its_path() {
        let v = validator_of(error_for(r#"{"label":"x","scopes":[1]}"#));
        assert_eq!(v[0].0, "scopes[0]");
    }

    #[test]
    fn an_unknown_field_is_named_once() {
        let v = validator_of(error_for(r#"{"label":"x","colour":"red"}"#));
        assert_eq!(v, vec![("colour".into(), "is not a known field".into())]);
    }

    #[test]
    fn broken_json_is_a_bad_request_about_the_body() {
        let err = error_for(r#"{"label": "#);
        assert_eq!(err.kind(), ErrorKind::BadRequest);
        assert_eq!(validator_of(err)[0].0, "body");
    }
}
