//! What several features share: field errors, keyset listing, audit event
//! builders, and minting a token with its hash.

pub(crate) mod audit;
pub mod listing;
pub mod secret_issuer;
pub mod validation;

pub use listing::{ListError, Page, PageQuery};
pub use secret_issuer::SecretIssuer;
pub use validation::{FieldError, ValidationErrors};
