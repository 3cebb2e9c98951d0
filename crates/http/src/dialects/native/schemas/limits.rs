//! Rate limits and credits, on keys and service accounts, as the native API
//! reads and writes them. Numbers arrive signed so that a negative one is
//! a 422 naming its field, like every other rule.

use serde::{Deserialize, Serialize};
use sesame_application::limits::{CreditsInput, RateLimitInput, RefillInput, UsageReport};
use sesame_domain::{Credits, LimitState, RateLimits};
use utoipa::ToSchema;

use crate::time_format;

/// How often credits refill.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Only its schema is used: the field is read as text.
pub enum RefillInterval {
    Daily,
    Monthly,
}

/// What a change does to a key's credits.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum CreditChange {
    Set,
    Increment,
    Decrement,
}

/// A named limit: at most `limit` units of cost per window of `duration_seconds`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitBody {
    /// 1–64 letters, digits, `_`, `-` or `.`; unique per key.
    #[schema(example = "default", pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub name: String,
    /// A positive whole number.
    #[schema(example = 100, minimum = 1)]
    #[serde(deserialize_with = "crate::whole_number::signed")]
    pub limit: i64,
    /// 1 to 2592000 (30 days).
    #[schema(example = 60, minimum = 1, maximum = 2592000)]
    #[serde(deserialize_with = "crate::whole_number::signed")]
    pub duration_seconds: i64,
}

/// Sets `remaining` back to `amount` at 00:00 UTC every day, or on
/// `refill_day` of every month (its last day in a shorter month).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefillBody {
    #[schema(example = 1000, minimum = 1, maximum = 1000000000000000_i64)]
    #[serde(deserialize_with = "crate::whole_number::signed")]
    pub amount: i64,
    /// `daily` or `monthly`.
    #[schema(example = "monthly", value_type = RefillInterval)]
    pub interval: String,
    /// 1–31, for a monthly refill; default 1.
    #[schema(example = 1, minimum = 1, maximum = 31)]
    #[serde(default, deserialize_with = "crate::whole_number::optional_signed")]
    pub refill_day: Option<i64>,
}

/// Units of cost left; each verification or authenticated request spends its cost.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditsBody {
    #[schema(example = 1000, minimum = 0, maximum = 1000000000000000_i64)]
    #[serde(deserialize_with = "crate::whole_number::signed")]
    pub remaining: i64,
    pub refill: Option<RefillBody>,
}

pub fn rate_limits_input(body: Option<Vec<RateLimitBody>>) -> Option<Vec<RateLimitInput>> {
    body.map(|list| {
        list.into_iter()
            .map(|l| RateLimitInput { name: l.name, limit: l.limit, duration_seconds: l.duration_seconds })
            .collect()
    })
}

impl From<CreditsBody> for CreditsInput {
    fn from(body: CreditsBody) -> Self {
        CreditsInput {
            remaining: body.remaining,
            refill: body.refill.map(|r| RefillInput {
                amount: r.amount,
                interval: r.interval,
                refill_day: r.refill_day,
            }),
        }
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub fn rate_limits_body(limits: &RateLimits) -> Vec<RateLimitBody> {
    limits
        .iter()
        .map(|l| RateLimitBody {
            name: l.name().to_owned(),
            limit: signed(l.limit()),
            duration_seconds: signed(l.duration().as_secs()),
        })
        .collect()
}

pub fn credits_body(credits: Option<&Credits>) -> Option<CreditsBody> {
    credits.map(|c| CreditsBody {
        remaining: signed(c.remaining),
        refill: c.refill.map(|r| RefillBody {
            amount: signed(r.amount()),
            interval: r.interval().as_str().to_owned(),
            refill_day: Some(i64::from(r.refill_day())),
        }),
    })
}

/// Where one limit stands after this request.
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitStateData {
    #[schema(example = "default")]
    pub name: String,
    #[schema(example = 100)]
    pub limit: u64,
    #[schema(example = 99)]
    pub remaining: u64,
    /// When the window ends and the limit is whole again.
    #[schema(format = "mysql-date-time", example = "2026-12-02 18:01:00")]
    pub reset_at: String,
}

pub fn limit_states(report: &UsageReport) -> Vec<LimitStateData> {
    report.rate_limits.iter().map(state).collect()
}

fn state(s: &LimitState) -> LimitStateData {
    LimitStateData {
        name: s.name.clone(),
        limit: s.limit,
        remaining: s.remaining,
        reset_at: time_format::format(s.reset_at),
    }
}

/// A change of a key's credits.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeCreditsRequest {
    /// `set` (also gives credits to a key without), `increment` or
    /// `decrement` (stops at 0).
    #[schema(example = "increment", value_type = CreditChange)]
    pub op: String,
    #[schema(example = 500, minimum = 0, maximum = 1000000000000000_i64)]
    #[serde(deserialize_with = "crate::whole_number::signed")]
    pub amount: i64,
}

/// A key's credits after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditBalanceData {
    #[schema(example = "api_key_0197c0f1-9589-7990-b421-4b806f637b0c")]
    pub key_id: String,
    #[schema(example = 1500)]
    pub remaining: u64,
}
