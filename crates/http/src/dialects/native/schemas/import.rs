//! `POST /developers/api_keys/import`: keys brought from another key service.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sesame_application::api_keys::{
    CreateApiKeyCommand, ImportApiKeysCommand, ImportKeyCommand, ImportOutcome, ImportRejection, ImportedHashCommand,
};
use sesame_domain::{MAX_FOREIGN_TOKEN_LEN, MIN_FOREIGN_TOKEN_LEN};
use utoipa::ToSchema;

use super::api_keys::ApiKeyData;
use super::limits::{rate_limits_input, CreditsBody, RateLimitBody};
use crate::api_error::Refused;
use crate::dialects::native::errors::Native;
use crate::field_schemas::{EnvironmentName, IpAllowListEntry, KindName, Timestamp};
use crate::scope_schema::ScopeName;
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
/// `plaintext` and `hash`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportKeyRequest {
    #[schema(max_length = 255, example = "Imported from Unkey")]
    pub label: String,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    #[schema(value_type = Option<Vec<ScopeName>>, example = json!(["products.read"]))]
    pub scopes: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<IpAllowListEntry>>, max_items = 100)]
    pub ip_allow_list: Option<Vec<String>>,
    #[schema(value_type = Option<Timestamp>, example = "2030-06-29 16:03:44")]
    pub expires_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    #[schema(value_type = Option<KindName>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<EnvironmentName>)]
    pub environment: Option<String>,
    #[schema(pattern = "^svc_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub service_account_id: Option<String>,
    #[schema(max_items = 10)]
    pub rate_limits: Option<Vec<RateLimitBody>>,
    pub credits: Option<CreditsBody>,
    /// The key's token as its holder presents it: hashed at once under the
    /// configured scheme, never stored. 16 to 512 printable ASCII characters.
    #[schema(min_length = 16, max_length = 512, pattern = "^[!-~]+$", example = "prod_3ZaBcdEfGhJkLmNpQrStUvWx")]
    pub plaintext: Option<String>,
    pub hash: Option<ImportedHashRequest>,
}

/// The digest another service stored of the token: SHA-256 (Unkey: base64;
/// better-auth: base64url) or SHA-512 (django-rest-framework-api-key: hex,
/// `sha512$$…` accepted as stored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedHashRequest {
    #[schema(value_type = DigestAlgorithmName)]
    pub algorithm: String,
    #[schema(value_type = DigestEncodingName)]
    pub encoding: String,
    #[schema(example = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")]
    pub value: String,
    /// Shown as the key's `key_prefix` (django-rest-framework-api-key's
    /// `prefix`, Unkey's `start`); at most 32 printable ASCII characters.
    #[schema(max_length = 32, pattern = "^[!-~]*$", example = "prod_")]
    pub prefix: Option<String>,
}

/// A digest's algorithm.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DigestAlgorithmName {
    Sha256,
    Sha512,
}

/// How a digest is written: base64 padded or not.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DigestEncodingName {
    Hex,
    Base64,
    Base64Url,
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
                metadata: item.metadata,
                kind: item.kind,
                environment: item.environment,
                service_account_id: item.service_account_id,
                rate_limits: rate_limits_input(item.rate_limits),
                credits: item.credits.map(Into::into),
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
        Self { code, message: error.message_in::<Native>(), validator: error.field_map() }
    }
}

const _: () = assert!(MIN_FOREIGN_TOKEN_LEN == 16 && MAX_FOREIGN_TOKEN_LEN == 512, "the schema's bounds say so");
