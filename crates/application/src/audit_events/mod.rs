//! Reading the audit trail. Events are written by the use cases that make
//! the changes (see `support::audit`), in the transaction of the change.

pub mod list;

pub use list::ListAuditEvents;
