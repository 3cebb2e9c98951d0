//! Limits as audit snapshots show them.

use serde_json::{json, Value};
use sesame_domain::{Credits, RateLimits};

pub(crate) fn rate_limits(limits: &RateLimits) -> Value {
    limits
        .iter()
        .map(|l| json!({"name": l.name(), "limit": l.limit(), "duration_seconds": l.duration().as_secs()}))
        .collect()
}

pub(crate) fn credits(credits: Option<&Credits>) -> Value {
    credits.map_or(Value::Null, |c| {
        json!({
            "remaining": c.remaining,
            "refill": c.refill.map(|r| json!({
                "amount": r.amount(),
                "interval": r.interval().as_str(),
                "refill_day": r.refill_day(),
            })),
        })
    })
}
