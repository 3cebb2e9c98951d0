//! Service accounts: named non-human principals of an organization that keys
//! can belong to. Managing them takes the `api_keys.*` scopes: a service
//! account exists only to hold keys.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod service_account_error;
pub mod update_limits;

pub use create::{CreateServiceAccount, CreateServiceAccountCommand, NewServiceAccount};
pub use delete::{DeleteServiceAccount, DeletedServiceAccount};
pub use get::GetServiceAccount;
pub use list::ListServiceAccounts;
pub use service_account_error::ServiceAccountError;
pub use update_limits::{UpdateServiceAccountLimits, UpdateServiceAccountLimitsCommand};
