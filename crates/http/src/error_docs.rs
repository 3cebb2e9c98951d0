//! The documented error responses, written one way for every dialect. An
//! operation lists the cases it can answer, `Errors<Shape, (Case, …)>`; each
//! becomes a response with the status the shape answers the case with, the
//! shape's schema and description, and an example the shape's own body
//! renderer wrote from a representative error: what the server sends.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

use crate::error_case::{Case, ErrorCase, Unavailable};
use crate::error_shape::{rendered, ErrorShape};
use crate::request_id;

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
    let mut response = ResponseBuilder::new().description(C::description().unwrap_or_else(|| S::description(C::CASE)));
    if let Some(about) = S::REQUEST_ID_HEADER {
        let header = HeaderBuilder::new().schema(String::schema()).description(Some(about)).build();
        response = response.header("X-Request-Id", header);
    }
    if C::CASE == Case::TooManyRequests {
        for (name, about) in [
            ("Retry-After", "Whole seconds until a retry can succeed (absent for credits that never refill)"),
            (
                "RateLimit-Policy",
                "For a key over its rate limits: each limit as `\"name\";q=limit;w=window-seconds` \
                 (draft-ietf-httpapi-ratelimit-headers)",
            ),
            ("RateLimit", "For a key over its rate limits: each limit as `\"name\";r=remaining;t=seconds-to-reset`"),
        ] {
            let header = HeaderBuilder::new().schema(String::schema()).description(Some(about)).build();
            response = response.header(name, header);
        }
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
                ErrorKind::PayloadTooLarge,
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
        let responses = Errors::<
            crate::dialects::v1::V1,
            (crate::error_case::InvalidBody, crate::error_case::TooManyRequests),
        >::responses();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["400", "429"]);
        assert_eq!(StatusCode::BAD_REQUEST, crate::dialects::v1::V1::status(&Case::InvalidBody.example()));
    }
}
