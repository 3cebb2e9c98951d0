//! Seed 004's request and response bodies, and its permissions: `{resource:
//! [actions]}` maps and `account:<resource>:<action>` strings over Sesame's
//! scope catalogue.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use sesame_application::support::ValidationErrors;
use sesame_domain::{ApiKey, ApiKeyStatus, KeyKind, Scope, ScopeSet};
use utoipa::{IntoParams, ToSchema};

use crate::time_format::{rfc3339, rfc3339_opt};
use crate::ApiError;
use crate::PageParams;

/// `account:<resource>:<action>`: each word of Sesame's resource in the
/// singular, joined by `:` (`api_keys.create` → `account:api:key:create`).
pub fn permission_resource(scope: Scope) -> String {
    let words: Vec<&str> =
        scope.resource().split(['.', '_']).map(|word| word.strip_suffix('s').unwrap_or(word)).collect();
    format!("account:{}", words.join(":"))
}

pub fn permission(scope: Scope) -> String {
    format!("{}:{}", permission_resource(scope), scope.action())
}

/// Resource name (either form) and action → scope.
static PERMISSIONS: LazyLock<BTreeMap<(String, &'static str), Scope>> = LazyLock::new(|| {
    Scope::ALL
        .iter()
        .flat_map(|&scope| {
            [
                ((permission_resource(scope), scope.action()), scope),
                ((scope.resource().to_owned(), scope.action()), scope),
            ]
        })
        .collect()
});

/// `{resource: [actions]}` → scope names; each unknown pair is named.
pub fn scopes_of(permissions: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, ApiError> {
    let mut errors = ValidationErrors::new();
    let mut scopes = Vec::new();
    for (resource, actions) in permissions {
        for action in actions {
            match PERMISSIONS.get(&(resource.clone(), action.as_str())) {
                Some(scope) => scopes.push(scope.as_str().to_owned()),
                None => {
                    errors.add(format!("permissions.{resource}"), format!("unknown permission `{resource}:{action}`"))
                }
            }
        }
    }
    errors.into_result().map(|()| scopes).map_err(ApiError::invalid)
}

/// A key's scopes as `{account:resource: [actions]}`.
pub fn permissions_of(scopes: &ScopeSet) -> BTreeMap<String, Vec<&'static str>> {
    let mut map: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for scope in scopes.iter() {
        map.entry(permission_resource(scope)).or_default().push(scope.action());
    }
    map
}

/// `{message, success: true, data}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsEnvelope<T: ToSchema> {
    #[schema(example = "success")]
    pub message: &'static str,
    #[schema(example = true)]
    pub success: bool,
    pub data: T,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountParams {
    /// Account that owns the keys: the caller's organization (`org_…`), or
    /// one it created (which takes `account:organization:read`).
    pub account_id: String,
    /// The page, when listing.
    #[serde(flatten)]
    #[param(ignore)]
    pub page: PageParams,
}

/// Defines display name, permission map, optional expiry, and metadata.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountApiKeyRequest {
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$",
        example = "Production server"
    )]
    pub name: String,
    /// `{resource: [actions]}`; resources as `account:product` or `products`.
    #[schema(example = json!({"account:product": ["read", "create"]}))]
    pub permissions: Option<BTreeMap<String, Vec<String>>>,
    /// RFC 3339 (or `2025-06-29 16:03:44`, UTC); must be in the future.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// A key in seed 004's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountApiKey {
    #[schema(example = "api_key")]
    pub object: &'static str,
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub id: String,
    #[schema(example = "org_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub account_id: String,
    pub name: String,
    /// `SECRET` or `PUBLISHABLE`.
    #[serde(rename = "type")]
    #[schema(example = "SECRET")]
    pub kind: &'static str,
    /// The plaintext on create; afterwards the redacted prefix (`sk_live_3yQm2B****`).
    pub key: String,
    pub last_used_ip: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    #[schema(example = json!({"account:product": ["read"]}))]
    pub permissions: BTreeMap<String, Vec<&'static str>>,
    /// `ACTIVE`, `EXPIRED` or `REVOKED`.
    #[schema(example = "ACTIVE")]
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// Issued by Sesame itself (the bootstrap), not through the API.
    pub managed: bool,
    /// Revoked.
    pub deleted: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

impl AccountApiKey {
    pub fn new(key: &ApiKey, status: ApiKeyStatus, plaintext: Option<String>) -> Self {
        Self {
            object: "api_key",
            id: key.id.to_string(),
            account_id: key.organization_id.to_string(),
            name: key.label.as_str().to_owned(),
            kind: match key.kind {
                KeyKind::Secret => "SECRET",
                KeyKind::Publishable => "PUBLISHABLE",
            },
            key: plaintext.unwrap_or_else(|| format!("{}****", key.key_prefix)),
            last_used_ip: key.usage.last_used_ip.clone(),
            metadata: key.metadata.to_value(),
            permissions: permissions_of(&key.scopes),
            status: match status {
                ApiKeyStatus::Active => "ACTIVE",
                ApiKeyStatus::Expired => "EXPIRED",
                ApiKeyStatus::Revoked => "REVOKED",
            },
            last_used_at: rfc3339_opt(key.usage.last_used_at),
            expires_at: rfc3339_opt(key.expires_at.map(|e| e.at())),
            managed: key.created_by.is_system(),
            deleted: key.revoked_at.is_some(),
            created_at: rfc3339(key.created_at),
            updated_at: rfc3339_opt(key.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountApiKeyList {
    #[schema(example = "list")]
    pub object: &'static str,
    pub data: Vec<AccountApiKey>,
    pub has_more: bool,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ErrorKind;

    #[test]
    fn the_seeds_create_permission_is_sesames_api_keys_create() {
        assert_eq!(permission(Scope::ApiKeysCreate), "account:api:key:create");
        assert_eq!(permission(Scope::UsersSessionsRead), "account:user:session:read");
    }

    #[test]
    fn every_scope_has_exactly_one_permission_string() {
        let strings: std::collections::BTreeSet<String> = Scope::ALL.iter().map(|&s| permission(s)).collect();
        assert_eq!(strings.len(), Scope::ALL.len());
    }

    #[test]
    fn permission_maps_accept_both_resource_forms_and_name_unknown_ones() {
        let map = BTreeMap::from([
            ("account:product".to_owned(), vec!["read".to_owned()]),
            ("invoices".to_owned(), vec!["create".to_owned()]),
        ]);
        assert_eq!(scopes_of(&map).unwrap(), vec!["products.read".to_owned(), "invoices.create".to_owned()]);
        let bad = BTreeMap::from([("account:product".to_owned(), vec!["fly".to_owned()])]);
        let error = scopes_of(&bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Validation);
        assert_eq!(error.fields().unwrap().fields()[0].field, "permissions.account:product");
    }
}
