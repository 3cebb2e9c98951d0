//! Credit balances spent by one conditional UPDATE … RETURNING: the row's
//! own lock (PostgreSQL) or the database's write lock (SQLite) serialises
//! concurrent spends, so however many requests and instances spend at once,
//! no balance goes below zero and no unit is spent twice. A due refill is
//! folded into the same statement.

use async_trait::async_trait;
use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr, UpdateStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use sesame_domain::ports::{CreditChange, CreditLedger, RepositoryError};
use sesame_domain::{AuditEvent, CreditBalance, LimitSubject, RefillDue, SpendOutcome};

use crate::audit_log;
use crate::error::{corrupt, from_db};

const REMAINING: &str = "credits_remaining";
const REFILL_AMOUNT: &str = "credits_refill_amount";
const REFILLED_AT: &str = "credits_refilled_at";

/// The largest balance kept: sums stay far from `i64::MAX`.
pub const MAX_CREDITS: i64 = 1_000_000_000_000_000;

#[derive(Clone)]
pub struct SeaOrmCreditLedger {
    db: DatabaseConnection,
}

impl SeaOrmCreditLedger {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

fn table_and_id(subject: LimitSubject) -> (&'static str, String) {
    match subject {
        LimitSubject::ApiKey(id) => ("api_keys", id.to_string()),
        LimitSubject::ServiceAccount(id) => ("service_accounts", id.to_string()),
    }
}

fn update_of(subject: LimitSubject) -> UpdateStatement {
    let (table, id) = table_and_id(subject);
    let mut update = Query::update();
    update
        .table(Alias::new(table))
        .and_where(col("id").eq(id))
        .and_where(col(REMAINING).is_not_null())
        .returning_col(Alias::new(REMAINING));
    update
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX).min(MAX_CREDITS)
}

/// `remaining + n`, capped at [`MAX_CREDITS`].
fn plus(n: i64) -> SimpleExpr {
    Expr::case(col(REMAINING).gt(MAX_CREDITS - n), MAX_CREDITS).finally(col(REMAINING).add(n)).into()
}

impl SeaOrmCreditLedger {
    async fn run(&self, db: &impl ConnectionTrait, update: &UpdateStatement) -> Result<Option<i64>, RepositoryError> {
        let statement = db.get_database_backend().build(update);
        let row = db.query_one(statement).await.map_err(from_db)?;
        row.map(|row| row.try_get::<i64>("", REMAINING).map_err(from_db)).transpose()
    }

    async fn balance(&self, subject: LimitSubject) -> Result<Option<CreditBalance>, RepositoryError> {
        let (table, id) = table_and_id(subject);
        let select = Query::select()
            .columns([Alias::new(REMAINING), Alias::new(REFILLED_AT)])
            .from(Alias::new(table))
            .and_where(col("id").eq(id))
            .to_owned();
        let statement = self.db.get_database_backend().build(&select);
        let Some(row) = self.db.query_one(statement).await.map_err(from_db)? else {
            return Ok(None);
        };
        let remaining: Option<i64> = row.try_get("", REMAINING).map_err(from_db)?;
        let refilled_at: Option<i64> = row.try_get("", REFILLED_AT).map_err(from_db)?;
        let Some(remaining) = remaining else { return Ok(None) };
        let refilled_at =
            chrono::DateTime::from_timestamp(refilled_at.unwrap_or(0), 0).ok_or_else(|| corrupt(table, REFILLED_AT))?;
        let remaining = u64::try_from(remaining).map_err(|_| corrupt(table, REMAINING))?;
        Ok(Some(CreditBalance { remaining, refilled_at }))
    }
}

#[async_trait]
impl CreditLedger for SeaOrmCreditLedger {
    async fn spend(
        &self,
        subject: LimitSubject,
        cost: u64,
        due: Option<RefillDue>,
    ) -> Result<Option<SpendOutcome>, RepositoryError> {
        let cost_i = clamp(cost);
        let mut update = update_of(subject);
        match due {
            Some(due) => {
                let boundary = due.boundary.timestamp();
                let is_due = || {
                    col(REFILL_AMOUNT).is_not_null().and(col(REFILLED_AT).is_null().or(col(REFILLED_AT).lt(boundary)))
                };
                let available: SimpleExpr = Expr::case(is_due(), col(REFILL_AMOUNT)).finally(col(REMAINING)).into();
                update
                    .value(Alias::new(REMAINING), available.clone().sub(cost_i))
                    .value(Alias::new(REFILLED_AT), Expr::case(is_due(), boundary).finally(col(REFILLED_AT)))
                    .and_where(Expr::expr(available).gte(cost_i));
            }
            None => {
                update.value(Alias::new(REMAINING), col(REMAINING).sub(cost_i)).and_where(col(REMAINING).gte(cost_i));
            }
        }
        if let Some(remaining) = self.run(&self.db, &update).await? {
            let remaining = u64::try_from(remaining).map_err(|_| corrupt(table_and_id(subject).0, REMAINING))?;
            return Ok(Some(SpendOutcome::Spent { remaining }));
        }
        // Nothing taken: say what is left (with the refill it would have had).
        Ok(self
            .balance(subject)
            .await?
            .map(|balance| SpendOutcome::Insufficient { remaining: balance.refilled(due).remaining }))
    }

    async fn give_back(&self, subject: LimitSubject, amount: u64) -> Result<(), RepositoryError> {
        let mut update = update_of(subject);
        update.value(Alias::new(REMAINING), plus(clamp(amount)));
        self.run(&self.db, &update).await.map(|_| ())
    }

    async fn change(
        &self,
        subject: LimitSubject,
        change: CreditChange,
        refilled_at: chrono::DateTime<chrono::Utc>,
        audit: Option<AuditEvent>,
    ) -> Result<Option<u64>, RepositoryError> {
        let (table, id) = table_and_id(subject);
        let mut update = update_of(subject);
        match change {
            CreditChange::Set(n) => {
                // Also gives credits to a subject without any.
                update = Query::update()
                    .table(Alias::new(table))
                    .and_where(col("id").eq(id))
                    .value(Alias::new(REMAINING), clamp(n))
                    .value(Alias::new(REFILLED_AT), refilled_at.timestamp())
                    .returning_col(Alias::new(REMAINING))
                    .to_owned();
            }
            CreditChange::Increment(n) => {
                update.value(Alias::new(REMAINING), plus(clamp(n)));
            }
            CreditChange::Decrement(n) => {
                let n = clamp(n);
                update.value(Alias::new(REMAINING), Expr::case(col(REMAINING).gt(n), col(REMAINING).sub(n)).finally(0));
            }
        }
        let txn = self.db.begin().await.map_err(from_db)?;
        let Some(remaining) = self.run(&txn, &update).await? else {
            txn.rollback().await.map_err(from_db)?;
            return Ok(None);
        };
        if let Some(audit) = &audit {
            audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        }
        txn.commit().await.map_err(from_db)?;
        Ok(Some(u64::try_from(remaining).map_err(|_| corrupt(table, REMAINING))?))
    }
}
