//! `POST /developers/api_keys/import`: keys brought from another key service.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sesame_application::api_keys::{
    CreateApiKeyCommand, ImportApiKeysCommand, ImportKeyCommand, ImportOutcome, ImportRejection, ImportedHashCommand,
};
use sesame_domain::{MAX_FOREIGN_TOKEN_LEN, MIN_FOREIGN_TOKEN_LEN};
use utoipa::ToSchema;

use super::api_keys::ApiKeyData;
use crate::api_error::Refused;
use crate::dialects::native::errors::Native;
use crate::ApiError;

/// Up to 1,000 keys, each with its original token as plaintext or as the
/// digest another service stored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportApiKeysRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub keys: Vec<ImportKeyRequest>,
}

/// One key to import: the fields of a created key, and exactly one of
/// `plaintext` and `hash`. A field that breaks a rule rejects this key alone
/// (its result says which and why), so the schema leaves the rules to the
/// descriptions: they are those of `POST /developers/api_keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportKeyRequest {
    /// 1–255 characters, no control characters.
    #[schema(example = "Imported from Unkey")]
    pub label: String,
    /// Up to 1,000 characters.
    pub description: Option<String>,
    /// Scopes of the catalogue that the caller holds itself.
    #[schema(example = json!(["products.read"]))]
    pub scopes: Option<Vec<String>>,
    /// Addresses or CIDR ranges; empty or absent: any address.
    pub ip_allow_list: Option<Vec<String>>,
    /// `2025-06-29 16:03:44` (UTC) or RFC 3339, in the future.
    #[schema(example = "2030-06-29 16:03:44")]
    pub expires_at: Option<String>,
    /// A JSON object returned with every verification.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// `secret` (default) or `publishable`.
    pub kind: Option<String>,
    /// `live` or `test`; defaults to the caller's (a Sesame token's own prefix wins).
    pub environment: Option<String>,
    /// `svc_…`, a live service account of the caller's organization.
    pub service_account_id: Option<String>,
    /// The key's token as its holder presents it: hashed at once under the
    /// configured scheme, never stored. 16 to 512 printable ASCII characters.
    #[schema(example = "prod_3ZaBcdEfGhJkLmNpQrStUvWx")]
    pub plaintext: Option<String>,
    pub hash: Option<ImportedHashRequest>,
}

/// The digest another service stored of the token: SHA-256 (Unkey: base64;
/// better-auth: base64url) or SHA-512 (django-rest-framework-api-key: hex,
/// `sha512$$…` accepted as stored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedHashRequest {
    /// `sha256` or `sha512`.
    #[schema(example = "sha256")]
    pub algorithm: String,
    /// `hex`, `base64` or `base64url` (padded or not).
    #[schema(example = "base64")]
    pub encoding: String,
    /// The digest as stored: 32 bytes for `sha256`, 64 for `sha512`.
    #[schema(example = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")]
    pub value: String,
    /// Shown as the key's `key_prefix` (django-rest-framework-api-key's
    /// `prefix`, Unkey's `start`); at most 32 printable ASCII characters.
    #[schema(example = "prod_")]
    pub prefix: Option<String>,
}

impl From<ImportApiKeysRequest> for ImportApiKeysCommand {
    fn from(request: ImportApiKeysRequest) -> Self {
        Self { keys: request.keys.into_iter().map(Into::into).collect() }
    }
}

impl From<ImportKeyRequest> for ImportKeyCommand {
    fn from(item: ImportKeyRequest) -> Self {
        Self {
            key: CreateApiKeyCommand {
                label: Some(item.label),
                description: item.description,
                scopes: item.scopes.unwrap_or_default(),
                ip_allow_list: item.ip_allow_list.unwrap_or_default(),
                expires_at: item.expires_at,
                metadata: item.metadata.map(serde_json::Value::Object),
                kind: item.kind,
                environment: item.environment,
                service_account_id: item.service_account_id,
                rate_limits: None,
                credits: None,
            },
            plaintext: item.plaintext,
            hash: item.hash.map(|hash| ImportedHashCommand {
                algorithm: hash.algorithm,
                encoding: hash.encoding,
                value: hash.value,
                prefix: hash.prefix,
            }),
        }
    }
}

/// What became of each key, in the request's order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedKeysData {
    #[schema(example = 1)]
    pub imported: usize,
    #[schema(example = 1)]
    pub rejected: usize,
    pub results: Vec<ImportResultData>,
}

/// One key's outcome: `imported` with the stored key, or `rejected` with why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResultData {
    /// The key's position in the request's `keys`, from 0.
    pub index: usize,
    #[schema(value_type = ImportStatusName)]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<ApiKeyData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ImportErrorData>,
}

/// What became of an imported key.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ImportStatusName {
    Imported,
    Rejected,
}

/// Why a key was not imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorData {
    /// `invalid` (see `validator`), `forbidden` (scopes the caller does not
    /// hold) or `duplicate` (the token is a key's already).
    #[schema(example = "invalid")]
    pub code: &'static str,
    #[schema(example = "the request is invalid: hash.value: decodes to 31 bytes; a sha256 digest has 32")]
    pub message: String,
    /// Each bad field and its problem, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validator: Option<BTreeMap<String, String>>,
}

impl ImportedKeysData {
    pub fn new(outcomes: Vec<ImportOutcome>, now: chrono::DateTime<chrono::Utc>) -> Self {
        let results: Vec<ImportResultData> = outcomes
            .into_iter()
            .enumerate()
            .map(|(index, outcome)| ImportResultData::new(index, outcome, now))
            .collect();
        let imported = results.iter().filter(|r| r.key.is_some()).count();
        Self { imported, rejected: results.len() - imported, results }
    }
}

impl ImportResultData {
    fn new(index: usize, outcome: ImportOutcome, now: chrono::DateTime<chrono::Utc>) -> Self {
        match outcome {
            ImportOutcome::Imported(key) => {
                let status = key.status(now);
                Self { index, status: "imported", key: Some(ApiKeyData::new(&key, status)), error: None }
            }
            ImportOutcome::Rejected(rejection) => {
                Self { index, status: "rejected", key: None, error: Some(ImportErrorData::new(rejection)) }
            }
        }
    }
}

impl ImportErrorData {
    fn new(rejection: ImportRejection) -> Self {
        let (code, error) = match rejection {
            ImportRejection::Invalid(errors) => ("invalid", ApiError::invalid(errors)),
            ImportRejection::Escalation { scopes } => ("forbidden", ApiError::ungrantable(Refused::Grant, scopes)),
            ImportRejection::Duplicate => {
                ("duplicate", ApiError::conflict("this token is a key's already: imported before, or twice here"))
            }
        };
        Self::of(code, &error)
    }

    /// An item that could not be read as one (`sesame import`'s lines).
    pub fn unreadable(error: &ApiError) -> Self {
        Self::of("invalid", error)
    }

    fn of(code: &'static str, error: &ApiError) -> Self {
        Self { code, message: error.message_in::<Native>(), validator: error.field_map() }
    }
}

const _: () = assert!(MIN_FOREIGN_TOKEN_LEN == 16 && MAX_FOREIGN_TOKEN_LEN == 512, "the schema's bounds say so");
