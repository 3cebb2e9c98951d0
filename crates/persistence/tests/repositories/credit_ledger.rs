//! `SeaOrmCreditLedger`: the conditional UPDATE, with its refill folded in.

use chrono::{TimeZone, Utc};
use sesame_domain::ports::{CreditChange, CreditLedger};
use sesame_domain::{Environment, LimitSubject, RefillDue, SpendOutcome, UsageLimits};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::{Backend, TestDatabase};

use crate::helpers::{api_key, create_tenant, insert_key};

on_both_backends!(
    a_spend_takes_the_cost_and_a_refused_one_takes_nothing,
    a_due_refill_is_applied_once_in_the_spends_own_statement,
    changes_set_increment_and_decrement_stopping_at_zero,
);

/// A stored key of the helper's: 1000 credits, refilled monthly on the 31st,
/// created 2026-03-01 (so last refilled at 2026-02-28 00:00 UTC).
async fn credited_key(db: &sesame_persistence::Database) -> LimitSubject {
    let tenant = create_tenant(db, "Acme").await;
    let key = api_key(&tenant.org.id, Environment::Live, "metered");
    insert_key(db, &key).await;
    LimitSubject::ApiKey(key.id)
}

async fn a_spend_takes_the_cost_and_a_refused_one_takes_nothing(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let subject = credited_key(&db).await;
    let ledger = db.credits();

    assert_eq!(ledger.spend(subject, 600, None).await.unwrap(), Some(SpendOutcome::Spent { remaining: 400 }));
    assert_eq!(ledger.spend(subject, 401, None).await.unwrap(), Some(SpendOutcome::Insufficient { remaining: 400 }));
    assert_eq!(ledger.spend(subject, 400, None).await.unwrap(), Some(SpendOutcome::Spent { remaining: 0 }));
    assert_eq!(ledger.spend(subject, 0, None).await.unwrap(), Some(SpendOutcome::Spent { remaining: 0 }));
}

async fn a_due_refill_is_applied_once_in_the_spends_own_statement(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let subject = credited_key(&db).await;
    let ledger = db.credits();
    ledger.spend(subject, 1000, None).await.unwrap();
    let stored_boundary = Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap();
    let next_boundary = Utc.with_ymd_and_hms(2026, 3, 31, 0, 0, 0).unwrap();

    let not_due = RefillDue { amount: 1000, boundary: stored_boundary };
    assert_eq!(
        ledger.spend(subject, 1, Some(not_due)).await.unwrap(),
        Some(SpendOutcome::Insufficient { remaining: 0 })
    );
    let due = RefillDue { amount: 1000, boundary: next_boundary };
    assert_eq!(ledger.spend(subject, 1, Some(due)).await.unwrap(), Some(SpendOutcome::Spent { remaining: 999 }));
    assert_eq!(
        ledger.spend(subject, 1, Some(due)).await.unwrap(),
        Some(SpendOutcome::Spent { remaining: 998 }),
        "the boundary applied once refills no more"
    );
    let later = RefillDue { amount: 1000, boundary: Utc.with_ymd_and_hms(2026, 4, 30, 0, 0, 0).unwrap() };
    assert_eq!(
        ledger.spend(subject, 5000, Some(later)).await.unwrap(),
        Some(SpendOutcome::Insufficient { remaining: 1000 }),
        "a refused spend says what the refill would give, and writes nothing"
    );
    assert_eq!(ledger.spend(subject, 1, None).await.unwrap(), Some(SpendOutcome::Spent { remaining: 997 }));
}

async fn changes_set_increment_and_decrement_stopping_at_zero(backend: Backend) {
    let (_guard, db) = TestDatabase::migrated(backend).await;
    let subject = credited_key(&db).await;
    let ledger = db.credits();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();

    assert_eq!(ledger.change(subject, CreditChange::Set(10), at, None).await.unwrap(), Some(10));
    assert_eq!(ledger.change(subject, CreditChange::Increment(5), at, None).await.unwrap(), Some(15));
    assert_eq!(ledger.change(subject, CreditChange::Decrement(100), at, None).await.unwrap(), Some(0));
    ledger.give_back(subject, 3).await.unwrap();
    assert_eq!(ledger.spend(subject, 3, None).await.unwrap(), Some(SpendOutcome::Spent { remaining: 0 }));

    let tenant = create_tenant(&db, "Plain").await;
    let mut plain = api_key(&tenant.org.id, Environment::Live, "unmetered");
    plain.limits = UsageLimits::default();
    insert_key(&db, &plain).await;
    let plain = LimitSubject::ApiKey(plain.id);
    assert_eq!(ledger.spend(plain, 1, None).await.unwrap(), None, "a key without credits is unlimited");
    assert_eq!(ledger.change(plain, CreditChange::Increment(1), at, None).await.unwrap(), None);
    assert_eq!(ledger.change(plain, CreditChange::Set(7), at, None).await.unwrap(), Some(7), "set gives credits");
}
