//! The documented error responses, written one way for every dialect. An
//! operation lists the cases it can answer, `Errors<Shape, (Case, …)>`; each
//! becomes a response with the status the shape answers the case with, the
//! shape's schema and description, and an example the shape's own body
//! renderer wrote from a representative error: what the server sends.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::IgnoredAny;
use serde::Deserialize;
use sesame_application::api_keys::KeyManagementError;
use sesame_application::authentication::AuthenticationError;
use sesame_application::support::ValidationErrors;
use sesame_domain::{ApiKeyId, KeyLabel, PageLimit, Scope, VerificationCode};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

use crate::error_shape::{rendered, ErrorShape};
use crate::{json_body, request_id, ApiError};

/// The [`Case`] enum, and for each case a marker type of the same name
/// for `Errors`' tuples.
macro_rules! cases {
    ($($(#[doc = $doc:literal])* $case:ident,)+) => {
        /// The ways an operation can fail that the document tells apart: each
        /// has a representative error, and each dialect a description.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Case {
            $($(#[doc = $doc])* $case,)+
        }

        impl Case {
            pub const ALL: &'static [Case] = &[$(Case::$case),+];
        }

        $(
            #[doc = concat!("Marks [`Case::", stringify!($case), "`] in an `Errors` list.")]
            pub struct $case;

            impl ErrorCase for $case {
                const CASE: Case = Case::$case;
            }
        )+
    };
}

cases!(
    /// The body is not JSON, not `application/json`, or too large.
    UnreadableBody,
    /// The query string cannot be read as the operation's parameters.
    UnreadableQuery,
    /// A field of a readable body breaks the rules.
    InvalidBody,
    /// A query parameter breaks the rules.
    InvalidQuery,
    /// The path's id is not an id.
    InvalidId,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    /// The body did not arrive within `server.body_timeout_secs`.
    SlowBody,
    TooManyRequests,
    Internal,
    /// The database cannot be reached; documented wherever `Internal` is.
    Unavailable,
);

impl Case {
    /// An error of this case, built as the server builds it.
    pub fn example(self) -> ApiError {
        match self {
            Case::UnreadableBody => json_body::parse::<IgnoredAny>(b"{").expect_err("`{` is not JSON"),
            Case::UnreadableQuery => {
                #[derive(Debug, Deserialize)]
                #[allow(dead_code)] // read only to fail
                struct Paging {
                    limit: Option<String>,
                }
                let err = actix_web::web::Query::<Paging>::from_query("limit=1&limit=2").expect_err("a repeated field");
                ApiError::unreadable_query(err)
            }
            Case::InvalidBody => invalid("label", KeyLabel::parse(" ").expect_err("a blank label")),
            Case::InvalidQuery => invalid("limit", PageLimit::parse(0).expect_err("a zero limit")),
            Case::InvalidId => invalid("id", "key".parse::<ApiKeyId>().expect_err("not an id")),
            Case::Unauthenticated => AuthenticationError::Rejected(VerificationCode::Expired).into(),
            Case::Forbidden => sesame_domain::Forbidden { missing: Scope::ApiKeysCreate }.into(),
            Case::NotFound => KeyManagementError::NotFound.into(),
            Case::Conflict => KeyManagementError::Revoked.into(),
            Case::SlowBody => ApiError::body_too_slow(Duration::from_secs(10)),
            Case::TooManyRequests => AuthenticationError::RateLimited { retry_after: Duration::from_secs(42) }.into(),
            Case::Internal => ApiError::internal("the example's cause"),
            Case::Unavailable => {
                ApiError::internal(sesame_domain::ports::StorageUnavailable("the example's cause".into()))
            }
        }
    }
}

fn invalid(field: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(ValidationErrors::single(field, problem))
}

/// A case an operation documents. A dialect may add its own, with its own
/// representative error or description.
pub trait ErrorCase {
    /// The case this is, or stands in for.
    const CASE: Case;

    fn example() -> ApiError {
        Self::CASE.example()
    }

    fn description<S: ErrorShape>() -> &'static str {
        S::description(Self::CASE)
    }
}

/// A tuple of [`ErrorCase`]s: the responses they document in shape `S`.
pub trait ErrorCases {
    fn responses<S: ErrorShape>() -> BTreeMap<String, RefOr<Response>>;
}

macro_rules! tuple_cases {
    ($($case:ident),+) => {
        impl<$($case: ErrorCase),+> ErrorCases for ($($case,)+) {
            fn responses<S: ErrorShape>() -> BTreeMap<String, RefOr<Response>> {
                let mut responses = BTreeMap::from([$(response::<S, $case>()),+]);
                // What can fail inside can also find the database gone.
                if [$($case::CASE),+].contains(&Case::Internal) {
                    let (status, response) = response::<S, Unavailable>();
                    responses.insert(status, response);
                }
                responses
            }
        }
    };
}

tuple_cases!(A);
tuple_cases!(A, B);
tuple_cases!(A, B, C);
tuple_cases!(A, B, C, D);
tuple_cases!(A, B, C, D, E);
tuple_cases!(A, B, C, D, E, F);
tuple_cases!(A, B, C, D, E, F, G);
tuple_cases!(A, B, C, D, E, F, G, H);
tuple_cases!(A, B, C, D, E, F, G, H, I);
tuple_cases!(A, B, C, D, E, F, G, H, I, J);

/// The error responses `K` of an operation of dialect `S`, for
/// `#[utoipa::path(responses(…))]`.
pub struct Errors<S, K>(PhantomData<(S, K)>);

impl<S: ErrorShape, K: ErrorCases> IntoResponses for Errors<S, K> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        K::responses::<S>()
    }
}

/// Case `C` as dialect `S` answers it: its status, and the response.
fn response<S: ErrorShape, C: ErrorCase>() -> (String, RefOr<Response>) {
    let (status, example) = request_id::as_example(|| rendered::<S>(&C::example()));
    let mut response = ResponseBuilder::new().description(C::description::<S>());
    if let Some(about) = S::REQUEST_ID_HEADER {
        let header = HeaderBuilder::new().schema(String::schema()).description(Some(about)).build();
        response = response.header("X-Request-Id", header);
    }
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(<S::Schema as ToSchema>::name())))
        .example(Some(example))
        .build();
    (status.as_u16().to_string(), response.content("application/json", content).build().into())
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;

    use super::*;
    use crate::api_error::ErrorKind;

    #[test]
    fn each_case_is_an_error_of_its_kind() {
        let kinds: Vec<ErrorKind> = Case::ALL.iter().map(|case| case.example().kind()).collect();
        assert_eq!(
            kinds,
            [
                ErrorKind::BadRequest,
                ErrorKind::BadRequest,
                ErrorKind::Validation,
                ErrorKind::Validation,
                ErrorKind::Validation,
                ErrorKind::Unauthenticated,
                ErrorKind::Forbidden,
                ErrorKind::NotFound,
                ErrorKind::Conflict,
                ErrorKind::RequestTimeout,
                ErrorKind::TooManyRequests,
                ErrorKind::Internal,
                ErrorKind::Unavailable,
            ]
        );
    }

    #[test]
    fn the_unreadable_cases_name_the_part_they_could_not_read() {
        let body = Case::UnreadableBody.example();
        assert_eq!(body.to_string(), "body: is not valid JSON: EOF while parsing an object at line 1 column 1");
        let query = Case::UnreadableQuery.example();
        assert_eq!(query.fields().unwrap().fields()[0].field, "query");
        assert!(query.to_string().contains("duplicate field `limit`"), "{query}");
    }

    #[test]
    fn a_documented_status_is_the_one_the_shape_answers() {
        let responses = Errors::<crate::dialects::v1::V1, (InvalidBody, TooManyRequests)>::responses();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["400", "429"]);
        assert_eq!(StatusCode::BAD_REQUEST, crate::dialects::v1::V1::status(&Case::InvalidBody.example()));
    }
}
