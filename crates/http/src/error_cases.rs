//! Error cases whose representative error is the operation's own, so that
//! each documented example is what the server answers there: a read lacks
//! `api_keys.read` (not `api_keys.create`), an organization is "no such
//! organization" (not "no such API key"). The generic cases are in
//! `error_docs`; an operation lists these in their place.

use sesame_application::organizations::OrganizationError;
use sesame_application::service_accounts::ServiceAccountError;
use sesame_application::support::ValidationErrors;
use sesame_domain::{Environment, OrganizationName, Scope};

use crate::error_docs::{Case, ErrorCase};
use crate::ApiError;

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
