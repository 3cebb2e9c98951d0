//! The ways an operation can fail that the OpenAPI document tells apart
//! ([`Case`]), each with a representative error built as the server builds
//! it. Dialects describe them ([`ErrorShape`](crate::ErrorShape)) and
//! operations list them ([`Errors`](crate::Errors)).

use std::time::Duration;

use serde::de::IgnoredAny;
use serde::Deserialize;
use sesame_application::api_keys::KeyManagementError;
use sesame_application::authentication::AuthenticationError;
use sesame_application::organizations::OrganizationError;
use sesame_application::service_accounts::ServiceAccountError;
use sesame_application::support::ValidationErrors;
use sesame_domain::{ApiKeyId, Environment, KeyLabel, OrganizationName, PageLimit, Scope, VerificationCode};

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
    /// The database cannot be reached; documented wherever `Internal` is.
    Unavailable,
);

impl Case {
    /// How a dialect describes the case unless it words it its own way.
    pub const fn description(self) -> &'static str {
        match self {
            Case::UnreadableBody => "The body could not be read: not JSON, or not `application/json`",
            Case::UnreadableQuery => "The query string could not be read",
            Case::InvalidBody => "A field breaks the rules",
            Case::InvalidQuery => "A query parameter breaks the rules",
            Case::InvalidId => "The path's id is not an `api_key_<uuid>`",
            Case::Unauthenticated => "Missing, unknown, expired or revoked key",
            Case::Forbidden => "The caller lacks the scope the operation needs",
            Case::NotFound => "No such key in the caller's organization",
            Case::Conflict => "The key's state forbids this",
            Case::SlowBody => "The body did not arrive within the server's deadline",
            Case::LargeBody => "The body is larger than the server accepts",
            Case::TooManyRequests => {
                "Too many failed attempts, or the key is over a rate limit or out of credits; see `Retry-After`, \
                 `RateLimit-Policy` and `RateLimit`"
            }
            Case::Internal => "Unexpected failure",
            Case::Unavailable => "The database is unavailable; nothing was changed; see `Retry-After`",
        }
    }

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

    /// Its own description, where the dialect's description of its case
    /// would not fit.
    fn description() -> Option<&'static str> {
        None
    }
}

// Cases particular to some operations: their representative error is the
// operation's own, so that each documented example is what the server
// answers there (a read lacks `api_keys.read`, not `api_keys.create`; an
// organization is "no such organization", not "no such API key").

macro_rules! case {
    ($($(#[doc = $doc:literal])* $name:ident: $case:ident => $example:expr;)+) => {
        $(
            $(#[doc = $doc])*
            pub struct $name;

            impl ErrorCase for $name {
                const CASE: Case = Case::$case;

                fn example() -> ApiError {
                    $example
                }
            }
        )+
    };
}

fn lacks(scope: Scope) -> ApiError {
    sesame_domain::Forbidden { missing: scope }.into()
}

case!(
    /// Reading keys (and the audit trail, and service accounts) needs `api_keys.read`.
    LacksApiKeysRead: Forbidden => lacks(Scope::ApiKeysRead);
    /// Updating or rotating a key needs `api_keys.update`.
    LacksApiKeysUpdate: Forbidden => lacks(Scope::ApiKeysUpdate);
    /// Revoking a key (or deleting a service account) needs `api_keys.delete`.
    LacksApiKeysDelete: Forbidden => lacks(Scope::ApiKeysDelete);
    LacksOrganizationsCreate: Forbidden => lacks(Scope::OrganizationsCreate);
    LacksOrganizationsRead: Forbidden => lacks(Scope::OrganizationsRead);
    LacksOrganizationsUpdate: Forbidden => lacks(Scope::OrganizationsUpdate);
    LacksOrganizationsDeactivate: Forbidden => lacks(Scope::OrganizationsDeactivate);
    OrganizationNotFound: NotFound => OrganizationError::NotFound.into();
    /// A deactivated organization cannot change.
    OrganizationDeactivated: Conflict => OrganizationError::Deactivated.into();
    /// A key cannot deactivate the organization it belongs to.
    OwnOrganization: Conflict => OrganizationError::OwnOrganization.into();
    ServiceAccountNotFound: NotFound => ServiceAccountError::NotFound.into();
    /// Deleting would revoke keys of the environment the caller cannot see.
    ServiceAccountKeysElsewhere: Conflict =>
        ServiceAccountError::KeysElsewhere { environment: Environment::Test, count: 2 }.into();
    /// A body whose `name` is blank (organizations, service accounts).
    BlankName: InvalidBody => ApiError::invalid(ValidationErrors::single(
        "name",
        OrganizationName::parse(" ").expect_err("a blank name"),
    ));
);
