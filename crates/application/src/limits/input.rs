//! Rate limits and credits as a client writes them, parsed once for keys and
//! service accounts alike; each problem is named by its field's path.

use sesame_domain::{Credits, RateLimit, RateLimits, Refill, UsageLimits};

use crate::support::validation::ValidationErrors;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitInput {
    pub name: String,
    pub limit: i64,
    pub duration_seconds: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefillInput {
    pub amount: i64,
    pub interval: String,
    pub refill_day: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditsInput {
    pub remaining: i64,
    pub refill: Option<RefillInput>,
}

/// The largest balance or refill amount accepted.
pub const MAX_CREDITS: i64 = 1_000_000_000_000_000;

pub(crate) fn rate_limits(errors: &mut ValidationErrors, raw: &[RateLimitInput]) -> Option<RateLimits> {
    let mut parsed = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, input) in raw.iter().enumerate() {
        match RateLimit::parse(&input.name, input.limit, input.duration_seconds) {
            Ok(limit) => parsed.push(limit),
            Err(e) => {
                errors.add(format!("rate_limits[{i}].{}", e.field()), e);
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    match RateLimits::new(parsed) {
        Ok(limits) => Some(limits),
        Err((Some(i), e)) => {
            errors.add(format!("rate_limits[{i}].{}", e.field()), e);
            None
        }
        Err((None, e)) => {
            errors.add("rate_limits", e);
            None
        }
    }
}

pub(crate) fn credits(errors: &mut ValidationErrors, raw: &CreditsInput) -> Option<Credits> {
    let too_large = format!("must be at most {MAX_CREDITS}");
    let refill = match &raw.refill {
        None => Ok(None),
        Some(r) if r.amount > MAX_CREDITS => Err(("credits.refill.amount".to_owned(), too_large.clone())),
        Some(r) => Refill::parse(r.amount, &r.interval, r.refill_day)
            .map(Some)
            .map_err(|e| (format!("credits.{}", e.field()), e.to_string())),
    };
    let remaining = if raw.remaining > MAX_CREDITS {
        Err(("credits.remaining".to_owned(), too_large))
    } else {
        Credits::parse(raw.remaining, None).map_err(|e| (format!("credits.{}", e.field()), e.to_string()))
    };
    match (remaining, refill) {
        (Ok(credits), Ok(refill)) => Some(Credits { refill, ..credits }),
        (remaining, refill) => {
            for (field, message) in [remaining.err(), refill.err()].into_iter().flatten() {
                errors.add(field, message);
            }
            None
        }
    }
}

/// Both, each optional (absent: none).
pub(crate) fn usage_limits(
    errors: &mut ValidationErrors,
    raw_limits: Option<&[RateLimitInput]>,
    raw_credits: Option<&CreditsInput>,
) -> Option<UsageLimits> {
    let rate_limits = raw_limits.map_or(Some(RateLimits::default()), |raw| rate_limits(errors, raw));
    let credits = raw_credits.map_or(Some(None), |raw| credits(errors, raw).map(Some));
    Some(UsageLimits { rate_limits: rate_limits?, credits: credits? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.fields().iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn each_bad_limit_and_credit_field_is_named_by_its_path() {
        let mut errors = ValidationErrors::new();
        let limits = [
            RateLimitInput { name: "ok".into(), limit: 1, duration_seconds: 1 },
            RateLimitInput { name: "zero".into(), limit: 0, duration_seconds: 60 },
            RateLimitInput { name: "short".into(), limit: 5, duration_seconds: 0 },
        ];
        let credits = CreditsInput {
            remaining: 10,
            refill: Some(RefillInput { amount: 10, interval: "weekly".into(), refill_day: None }),
        };
        assert!(usage_limits(&mut errors, Some(&limits), Some(&credits)).is_none());
        assert_eq!(
            fields(&errors),
            ["rate_limits[1].limit", "rate_limits[2].duration_seconds", "credits.refill.interval"]
        );
    }

    #[test]
    fn a_refill_day_outside_the_month_is_named() {
        let mut errors = ValidationErrors::new();
        let credits = CreditsInput {
            remaining: 10,
            refill: Some(RefillInput { amount: 10, interval: "monthly".into(), refill_day: Some(32) }),
        };
        assert!(usage_limits(&mut errors, None, Some(&credits)).is_none());
        assert_eq!(fields(&errors), ["credits.refill.refill_day"]);
    }
}
