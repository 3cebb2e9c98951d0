use async_trait::async_trait;

use crate::ports::RepositoryError;
use crate::{AuditEvent, LimitSubject, RefillDue, SpendOutcome};

/// A change of a balance by its owner's administrators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditChange {
    Set(u64),
    Increment(u64),
    /// Stops at zero.
    Decrement(u64),
}

/// The stored credit balances of keys and service accounts.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait CreditLedger: Send + Sync {
    /// Applies `due` if it was not applied yet, then takes `cost` if that
    /// many are left: one atomic step, exact however many requests and
    /// instances spend at once.
    ///
    /// `None` when `subject` carries no credits (any more): unlimited.
    ///
    /// # Errors
    /// Storage failures.
    async fn spend(
        &self,
        subject: LimitSubject,
        cost: u64,
        due: Option<RefillDue>,
    ) -> Result<Option<SpendOutcome>, RepositoryError>;

    /// Gives back `amount` taken by [`CreditLedger::spend`] for a request
    /// that another limit refused.
    ///
    /// # Errors
    /// Storage failures.
    async fn give_back(&self, subject: LimitSubject, amount: u64) -> Result<(), RepositoryError>;

    /// Changes a key's balance (credits a key without any when `Set`) and
    /// records `audit` in the same transaction; the balance after, or
    /// `None` (and nothing written) when the subject does not exist or has
    /// no credits and the change is not `Set`. A `Set` also records
    /// `refilled_at` as the last refill: the balance starts a new period.
    ///
    /// # Errors
    /// Storage failures.
    async fn change(
        &self,
        subject: LimitSubject,
        change: CreditChange,
        refilled_at: chrono::DateTime<chrono::Utc>,
        audit: Option<AuditEvent>,
    ) -> Result<Option<u64>, RepositoryError>;
}
