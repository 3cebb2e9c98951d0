use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use thiserror::Error;

/// How often credits are topped up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefillInterval {
    /// At 00:00 UTC every day.
    Daily,
    /// At 00:00 UTC on the refill day of every month (its last day when the
    /// month is shorter).
    Monthly,
}

impl RefillInterval {
    pub fn as_str(self) -> &'static str {
        match self {
            RefillInterval::Daily => "daily",
            RefillInterval::Monthly => "monthly",
        }
    }
}

impl std::str::FromStr for RefillInterval {
    type Err = CreditsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "daily" => Ok(RefillInterval::Daily),
            "monthly" => Ok(RefillInterval::Monthly),
            _ => Err(CreditsError::Interval),
        }
    }
}

/// What is wrong with credits, by the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditsError {
    #[error("must be a whole number, 0 or more")]
    Remaining,
    #[error("must be a positive whole number")]
    Amount,
    #[error("must be `daily` or `monthly`")]
    Interval,
    #[error("must be a day of the month, 1 to 31")]
    RefillDay,
}

impl CreditsError {
    /// The field, as the API names it under `credits`.
    pub fn field(&self) -> &'static str {
        match self {
            CreditsError::Remaining => "remaining",
            CreditsError::Amount => "refill.amount",
            CreditsError::Interval => "refill.interval",
            CreditsError::RefillDay => "refill.refill_day",
        }
    }
}

/// Credits set back to `amount` at each interval boundary (UTC). Applied
/// lazily: the first use after a boundary finds the refill due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refill {
    amount: u64,
    interval: RefillInterval,
    refill_day: u8,
}

impl Refill {
    /// `refill_day` defaults to 1; it only matters for a monthly refill.
    ///
    /// # Errors
    /// The first bad field.
    pub fn parse(amount: i64, interval: &str, refill_day: Option<i64>) -> Result<Self, CreditsError> {
        let amount = u64::try_from(amount).ok().filter(|a| *a > 0).ok_or(CreditsError::Amount)?;
        let interval = interval.parse()?;
        let refill_day = match refill_day {
            None => 1,
            Some(day) => u8::try_from(day).ok().filter(|d| (1..=31).contains(d)).ok_or(CreditsError::RefillDay)?,
        };
        Ok(Self { amount, interval, refill_day })
    }

    pub fn amount(&self) -> u64 {
        self.amount
    }

    pub fn interval(&self) -> RefillInterval {
        self.interval
    }

    pub fn refill_day(&self) -> u8 {
        self.refill_day
    }

    /// The latest refill instant at or before `now`.
    pub fn last_boundary(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.date_naive();
        match self.interval {
            RefillInterval::Daily => midnight(today),
            RefillInterval::Monthly => {
                let this_month = midnight(self.day_in(today.year(), today.month()));
                if this_month <= now {
                    return this_month;
                }
                let (year, month) =
                    if today.month() == 1 { (today.year() - 1, 12) } else { (today.year(), today.month() - 1) };
                midnight(self.day_in(year, month))
            }
        }
    }

    /// The next refill instant after `now`.
    pub fn next_boundary(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let last = self.last_boundary(now);
        match self.interval {
            RefillInterval::Daily => last + Duration::days(1),
            RefillInterval::Monthly => {
                let d = last.date_naive();
                let (year, month) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
                midnight(self.day_in(year, month))
            }
        }
    }

    /// The refill day in a month, the month's last day when it is shorter.
    fn day_in(&self, year: i32, month: u32) -> NaiveDate {
        let last = days_in_month(year, month);
        let day = u32::from(self.refill_day).min(last);
        NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let first_next = NaiveDate::from_ymd_opt(ny, nm, 1).unwrap_or(NaiveDate::MAX);
    first_next.pred_opt().map_or(28, |d| d.day())
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// A key's or service account's credits: what is left, and how it refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credits {
    pub remaining: u64,
    pub refill: Option<Refill>,
}

impl Credits {
    /// # Errors
    /// A negative `remaining`.
    pub fn parse(remaining: i64, refill: Option<Refill>) -> Result<Self, CreditsError> {
        let remaining = u64::try_from(remaining).map_err(|_| CreditsError::Remaining)?;
        Ok(Self { remaining, refill })
    }
}

/// Stored credits and the last refill applied to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditBalance {
    pub remaining: u64,
    /// The boundary of the last refill applied (or the one before the
    /// credits were set): a later boundary makes a refill due.
    pub refilled_at: DateTime<Utc>,
}

/// A refill owed at `boundary`, if the balance was last refilled before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefillDue {
    pub amount: u64,
    pub boundary: DateTime<Utc>,
}

impl RefillDue {
    /// The refill `refill` would owe at `now`, whatever was applied so far.
    pub fn at(refill: &Refill, now: DateTime<Utc>) -> Self {
        Self { amount: refill.amount, boundary: refill.last_boundary(now) }
    }
}

/// What a spend found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendOutcome {
    /// `cost` was taken; this is left.
    Spent { remaining: u64 },
    /// Fewer than `cost` were left: nothing was taken.
    Insufficient { remaining: u64 },
}

impl SpendOutcome {
    pub fn remaining(self) -> u64 {
        match self {
            SpendOutcome::Spent { remaining } | SpendOutcome::Insufficient { remaining } => remaining,
        }
    }
}

impl CreditBalance {
    /// The balance with a due refill applied: a refill sets `remaining`
    /// to its amount (unused credits do not carry over).
    pub fn refilled(self, due: Option<RefillDue>) -> Self {
        match due {
            Some(due) if due.boundary > self.refilled_at => {
                CreditBalance { remaining: due.amount, refilled_at: due.boundary }
            }
            _ => self,
        }
    }

    /// Refills if due, then takes `cost` if that many are left: the rule
    /// every credit store applies atomically.
    pub fn spend(self, cost: u64, due: Option<RefillDue>) -> (Self, SpendOutcome) {
        let balance = self.refilled(due);
        if balance.remaining >= cost {
            let remaining = balance.remaining - cost;
            (CreditBalance { remaining, ..balance }, SpendOutcome::Spent { remaining })
        } else {
            (balance, SpendOutcome::Insufficient { remaining: balance.remaining })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, s).unwrap()
    }

    #[test]
    fn a_daily_refill_is_due_exactly_at_midnight_utc() {
        let refill = Refill::parse(100, "daily", None).unwrap();
        assert_eq!(refill.last_boundary(at(2026, 3, 5, 23, 59, 59)), at(2026, 3, 5, 0, 0, 0));
        assert_eq!(refill.last_boundary(at(2026, 3, 6, 0, 0, 0)), at(2026, 3, 6, 0, 0, 0));
        assert_eq!(refill.next_boundary(at(2026, 3, 5, 12, 0, 0)), at(2026, 3, 6, 0, 0, 0));
    }

    #[test]
    fn a_monthly_refill_on_the_31st_falls_on_the_last_day_of_a_shorter_month() {
        let refill = Refill::parse(100, "monthly", Some(31)).unwrap();
        assert_eq!(refill.last_boundary(at(2026, 4, 30, 0, 0, 0)), at(2026, 4, 30, 0, 0, 0));
        assert_eq!(refill.last_boundary(at(2026, 4, 29, 23, 59, 59)), at(2026, 3, 31, 0, 0, 0));
        assert_eq!(refill.last_boundary(at(2026, 2, 28, 1, 0, 0)), at(2026, 2, 28, 0, 0, 0));
        assert_eq!(refill.last_boundary(at(2028, 2, 28, 1, 0, 0)), at(2028, 1, 31, 0, 0, 0));
        assert_eq!(refill.next_boundary(at(2026, 1, 31, 0, 0, 0)), at(2026, 2, 28, 0, 0, 0));
    }

    #[test]
    fn a_monthly_refill_before_its_day_looks_back_to_last_month_across_a_year() {
        let refill = Refill::parse(100, "monthly", Some(15)).unwrap();
        assert_eq!(refill.last_boundary(at(2026, 1, 10, 0, 0, 0)), at(2025, 12, 15, 0, 0, 0));
        assert_eq!(refill.next_boundary(at(2025, 12, 20, 0, 0, 0)), at(2026, 1, 15, 0, 0, 0));
    }

    #[test]
    fn a_spend_just_before_the_boundary_finds_no_refill_and_one_at_it_does() {
        let refill = Refill::parse(10, "daily", None).unwrap();
        let balance = CreditBalance { remaining: 0, refilled_at: at(2026, 3, 5, 0, 0, 0) };
        let before = balance.spend(1, Some(RefillDue::at(&refill, at(2026, 3, 5, 23, 59, 59)))).1;
        assert_eq!(before, SpendOutcome::Insufficient { remaining: 0 });
        let (after, outcome) = balance.spend(1, Some(RefillDue::at(&refill, at(2026, 3, 6, 0, 0, 0))));
        assert_eq!(outcome, SpendOutcome::Spent { remaining: 9 });
        assert_eq!(after.refilled_at, at(2026, 3, 6, 0, 0, 0));
        // Once applied, the same boundary refills no more.
        assert_eq!(
            after.spend(1, Some(RefillDue::at(&refill, at(2026, 3, 6, 8, 0, 0)))).1,
            SpendOutcome::Spent { remaining: 8 }
        );
    }

    #[test]
    fn a_cost_above_what_is_left_takes_nothing() {
        let balance = CreditBalance { remaining: 3, refilled_at: at(2026, 1, 1, 0, 0, 0) };
        let (after, outcome) = balance.spend(4, None);
        assert_eq!(outcome, SpendOutcome::Insufficient { remaining: 3 });
        assert_eq!(after.remaining, 3);
        assert_eq!(balance.spend(0, None).1, SpendOutcome::Spent { remaining: 3 });
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(Refill::parse(0, "daily", None).unwrap_err().field(), "refill.amount");
        assert_eq!(Refill::parse(1, "weekly", None).unwrap_err().field(), "refill.interval");
        assert_eq!(Refill::parse(1, "monthly", Some(32)).unwrap_err().field(), "refill.refill_day");
        assert_eq!(Refill::parse(1, "monthly", Some(0)).unwrap_err().field(), "refill.refill_day");
        assert_eq!(Credits::parse(-1, None).unwrap_err().field(), "remaining");
    }
}
