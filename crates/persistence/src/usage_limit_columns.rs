//! The usage-limit columns that keys and service accounts share: rate limits
//! as a JSON list, credits as plain columns (the balance is spent by one
//! conditional UPDATE, see `credit_ledger`).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sesame_domain::ports::RepositoryError;
use sesame_domain::{Credits, RateLimit, RateLimits, Refill, UsageLimits};

use crate::error::corrupt;

/// The columns as stored.
pub(crate) struct LimitColumns {
    pub rate_limits: String,
    pub credits_remaining: Option<i64>,
    pub credits_refill_amount: Option<i64>,
    pub credits_refill_interval: Option<String>,
    pub credits_refill_day: Option<i32>,
}

pub(crate) fn rate_limits_json(limits: &RateLimits) -> String {
    let list: Vec<Value> = limits
        .iter()
        .map(|l| json!({"name": l.name(), "limit": l.limit(), "duration_seconds": l.duration().as_secs()}))
        .collect();
    Value::Array(list).to_string()
}

fn rate_limits_from(table: &'static str, raw: &str) -> Result<RateLimits, RepositoryError> {
    let bad = || corrupt(table, "rate_limits");
    let list: Vec<Value> = serde_json::from_str(raw).map_err(|_| bad())?;
    let limits = list
        .iter()
        .map(|v| {
            let name = v["name"].as_str().ok_or_else(bad)?;
            let limit = v["limit"].as_i64().ok_or_else(bad)?;
            let duration = v["duration_seconds"].as_i64().ok_or_else(bad)?;
            RateLimit::parse(name, limit, duration).map_err(|_| bad())
        })
        .collect::<Result<Vec<_>, _>>()?;
    RateLimits::new(limits).map_err(|_| bad())
}

pub(crate) fn limits_from(table: &'static str, c: LimitColumns) -> Result<UsageLimits, RepositoryError> {
    let rate_limits = rate_limits_from(table, &c.rate_limits)?;
    let refill = match (c.credits_refill_amount, c.credits_refill_interval) {
        (Some(amount), Some(interval)) => Some(
            Refill::parse(amount, &interval, c.credits_refill_day.map(i64::from))
                .map_err(|_| corrupt(table, "credits_refill"))?,
        ),
        _ => None,
    };
    let credits = c
        .credits_remaining
        .map(|remaining| Credits::parse(remaining, refill))
        .transpose()
        .map_err(|_| corrupt(table, "credits_remaining"))?;
    Ok(UsageLimits { rate_limits, credits })
}

/// The columns for `limits`, a new balance starting its refill period at `now`.
pub(crate) fn limits_to(limits: &UsageLimits, now: DateTime<Utc>) -> (LimitColumns, Option<i64>) {
    let credits = limits.credits.as_ref();
    let refill = credits.and_then(|c| c.refill);
    let refilled_at = credits.map(|c| c.refill.map_or(now, |r| r.last_boundary(now)).timestamp());
    (
        LimitColumns {
            rate_limits: rate_limits_json(&limits.rate_limits),
            credits_remaining: credits.map(|c| i64::try_from(c.remaining).unwrap_or(i64::MAX)),
            credits_refill_amount: refill.map(|r| i64::try_from(r.amount()).unwrap_or(i64::MAX)),
            credits_refill_interval: refill.map(|r| r.interval().as_str().to_owned()),
            credits_refill_day: refill.map(|r| i32::from(r.refill_day())),
        },
        refilled_at,
    )
}
