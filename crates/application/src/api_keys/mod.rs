//! The key lifecycle: create, list, get, update, rotate, revoke, and verify
//! for gateways. Reading or changing one existing key goes through the rules
//! of `key_management`, written once.

pub mod create;
pub mod credits;
mod fields;
pub mod get;
pub mod import;
pub mod key_management;
pub mod list;
pub mod revoke;
pub mod rotate;
pub mod update;
pub mod verify;
pub mod view;

pub use create::{CreateApiKey, CreateApiKeyCommand, CreateApiKeyError, CreatedApiKey, NewApiKey};
pub use credits::{ChangeApiKeyCredits, ChangeCreditsCommand, CreditBalanceView};
pub use get::GetApiKey;
pub use import::{
    operator_in, ImportApiKeys, ImportApiKeysCommand, ImportApiKeysError, ImportKeyCommand, ImportOutcome,
    ImportRejection, ImportedHashCommand, MAX_IMPORT_BATCH,
};
pub use key_management::KeyManagementError;
pub use list::{ListApiKeys, ListApiKeysQuery};
pub use revoke::RevokeApiKey;
pub use rotate::{RotateApiKey, RotateApiKeyCommand, RotatedApiKey, MAX_GRACE_PERIOD_SECS};
pub use update::{Change, KeyChanges, UpdateApiKey, UpdateApiKeyCommand};
pub use verify::{Verification, VerifyApiKey, VerifyApiKeyCommand, VerifyError};
pub use view::ApiKeyView;
