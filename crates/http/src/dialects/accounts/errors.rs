//! Seed 004's error shape: `{message, success: false, error: {code,
//! message, details}}`, naming Sesame's scopes as its permissions.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use serde::Serialize;
use sesame_domain::Scope;
use utoipa::ToSchema;

use super::schemas::permission;
use crate::error_shape::{describe, ErrorShape};
use crate::ApiError;

pub struct Accounts;

impl ErrorShape for Accounts {
    fn field_name(native: &str) -> &str {
        match native {
            "label" => "name",
            "scopes" => "permissions",
            other => other,
        }
    }

    fn body(error: &ApiError, status: StatusCode, fields: Option<BTreeMap<String, String>>) -> serde_json::Value {
        let mut message = describe(error, fields.as_ref());
        // Name the permissions this dialect's clients know, not Sesame's scopes.
        if message.contains("scope") {
            for &scope in Scope::ALL {
                let native = format!("`{scope}`");
                if message.contains(&native) {
                    message = message.replace(&native, &format!("`{}`", permission(scope)));
                }
            }
            message = message.replace("scopes", "permissions").replace("scope", "permission");
        }
        serde_json::json!({
            "message": status.canonical_reason().unwrap_or("error"),
            "success": false,
            "error": { "code": status.as_u16(), "message": message, "details": fields.unwrap_or_default() },
        })
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
