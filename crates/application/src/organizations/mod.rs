//! Organizations (tenants): bootstrap of an installation, onboarding,
//! reading, renaming, deactivating, and acting in an organization a caller
//! created. Which organizations a caller may see is decided once, in
//! `organization_error::load_visible`.

pub mod act_in;
pub mod bootstrap;
pub mod create;
pub mod deactivate;
pub mod get;
pub mod issue_root_key;
mod onboarding;
pub mod operator;
pub mod organization_error;
pub mod update;

pub use act_in::ActInOrganization;
pub use bootstrap::{Bootstrap, BootstrapError, Bootstrapped};
pub use create::{CreateOrganization, CreatedOrganization};
pub use deactivate::DeactivateOrganization;
pub use get::GetOrganization;
pub use issue_root_key::{IssueRootKey, IssueRootKeyError, IssuedRootKey};
pub use operator::{active_organization, OperatorError};
pub use organization_error::OrganizationError;
pub use update::UpdateOrganization;
