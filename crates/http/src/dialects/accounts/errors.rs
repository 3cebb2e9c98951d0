//! Seed 004's error shape: `{message, success: false, error: {code,
//! message, details}}`, naming Sesame's scopes as its permissions.

use std::borrow::Cow;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::Serialize;
use sesame_domain::Scope;
use utoipa::ToSchema;

use super::schemas::permission;
use crate::api_error::Vocabulary;
use crate::error_docs::{Case, ErrorCase};
use crate::error_shape::{describe, ErrorShape};
use crate::ApiError;

pub struct Accounts;

/// Seed 004's clients know Sesame's scopes as permissions.
impl Vocabulary for Accounts {
    const SCOPE: &'static str = "permission";
    const SCOPES: &'static str = "permissions";

    fn scope_name(scope: Scope) -> Cow<'static, str> {
        Cow::Owned(permission(scope))
    }
}

impl ErrorShape for Accounts {
    type Body = serde_json::Value;
    type Schema = AccountsError;

    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            "scopes" => "permissions",
            other => other,
        }
    }

    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        let message = describe::<Self>(error, fields.as_ref());
        serde_json::json!({
            "message": status.canonical_reason().unwrap_or("error"),
            "success": false,
            "error": { "code": status.as_u16(), "message": message, "details": fields.unwrap_or_default() },
        })
    }

    fn description(case: Case) -> &'static str {
        match case {
            Case::UnreadableBody | Case::InvalidBody | Case::InvalidId => "Invalid body or permission",
            Case::UnreadableQuery | Case::InvalidQuery => "Bad limit or cursor",
            Case::Unauthenticated => "Missing, invalid or expired key or access token",
            Case::Forbidden => {
                "Missing the permission the operation needs (`account:api:key:create`, `account:api:key:read` or \
                 `account:api:key:delete`), or a permission the caller would grant but lacks"
            }
            Case::NotFound => "No such key in this account, or an account the caller may not act in",
            Case::Conflict => "The key's state forbids this",
            Case::SlowBody => "The body did not arrive within the server's deadline",
            Case::TooManyRequests => "Too many failed attempts; see `Retry-After`",
            Case::Internal => "Unexpected failure",
            Case::Unavailable => "The database is unavailable; nothing was changed; see `Retry-After`",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsErrorDetail {
    /// The HTTP status.
    #[schema(example = 403)]
    pub code: u16,
    #[schema(example = "this key lacks the `account:api:key:create` permission")]
    pub message: String,
    /// Each bad field and its problem; empty otherwise.
    #[schema(value_type = Object)]
    pub details: BTreeMap<String, String>,
}

/// `{message, success: false, error: {code, message, details}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsError {
    #[schema(example = "Forbidden")]
    pub message: String,
    #[schema(example = false)]
    pub success: bool,
    pub error: AccountsErrorDetail,
}

/// `account_id` names an account the caller may not act in: not found, so
/// ids of other tenants reveal nothing.
pub fn unknown_account() -> ApiError {
    ApiError::not_found("no such account")
}

/// The 404 of an operation on the account itself rather than on a key.
pub struct UnknownAccount;

impl ErrorCase for UnknownAccount {
    const CASE: Case = Case::NotFound;

    fn example() -> ApiError {
        unknown_account()
    }

    fn description<S: ErrorShape>() -> &'static str {
        "`account_id` is neither the caller's account nor one it created"
    }
}

#[cfg(test)]
mod tests {
    use sesame_application::api_keys::{CreateApiKeyError, KeyManagementError};
    use sesame_domain::Forbidden;

    use super::*;

    fn message(error: impl Into<ApiError>) -> String {
        describe::<Accounts>(&error.into(), None)
    }

    // The wording seed 004's clients have read since the dialect shipped.
    #[test]
    fn missing_and_ungrantable_scopes_are_named_as_permissions() {
        assert_eq!(
            message(Forbidden { missing: Scope::ApiKeysCreate }),
            "this key lacks the `account:api:key:create` permission"
        );
        let scopes = vec![Scope::ProductsCreate, Scope::UsersSessionsRead];
        assert_eq!(
            message(CreateApiKeyError::Escalation { scopes: scopes.clone() }),
            "the caller cannot grant permissions it does not hold: `account:product:create`, `account:user:session:read`"
        );
        assert_eq!(
            message(KeyManagementError::Escalation { scopes }),
            "the caller can neither grant nor manage permissions it does not hold: `account:product:create`, \
             `account:user:session:read`"
        );
    }

    #[test]
    fn text_that_names_no_scope_is_sesames() {
        assert_eq!(message(KeyManagementError::NotFound), "no such API key");
        assert_eq!(message(unknown_account()), "no such account");
    }
}
