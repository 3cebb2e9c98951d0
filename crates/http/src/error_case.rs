//! The ways an operation can fail that the OpenAPI document tells apart
//! ([`Case`]), each with a representative error built as the server builds
//! it. Dialects describe them ([`ErrorShape`](crate::ErrorShape)) and
//! operations list them ([`Errors`](crate::Errors)).

use std::time::Duration;

use serde::de::IgnoredAny;
use serde::Deserialize;
use sesame_application::api_keys::KeyManagementError;
use sesame_application::authentication::AuthenticationError;
use sesame_application::support::ValidationErrors;
use sesame_domain::{ApiKeyId, KeyLabel, PageLimit, Scope, VerificationCode};

use crate::{json_body, ApiError};

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
    /// The body is not JSON, or not `application/json`.
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
    /// The body is larger than `server.max_body_bytes`.
    LargeBody,
    TooManyRequests,
    Internal,
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
            Case::LargeBody => ApiError::body_too_large(65_536),
            Case::SlowBody => ApiError::body_too_slow(Duration::from_secs(10)),
            Case::TooManyRequests => AuthenticationError::RateLimited { retry_after: Duration::from_secs(42) }.into(),
            Case::Internal => ApiError::internal("the example's cause"),
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

    /// Its own description, where the dialect's description of its case
    /// would not fit.
    fn description() -> Option<&'static str> {
        None
    }
}
