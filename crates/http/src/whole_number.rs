//! JSON Schema's `integer` admits `3600.0`: a number whose fraction is zero
//! is an integer. serde's `u64` refuses it, so fields the document types as
//! integers are read through here.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole number, of either sign, written `100` or `100.0`; the rules of
/// its field (positive, bounded) are the domain's, named there.
pub fn signed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    optional_signed(deserializer)?.ok_or_else(|| serde::de::Error::custom("must be a whole number"))
}

/// As [`signed`], optional.
pub fn optional_signed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    // Within ±2^63 every whole f64 converts exactly.
    let whole = |f: f64| f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f);
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(n), _) => Ok(Some(n)),
            (None, Some(f)) if whole(f) => Ok(Some(f as i64)),
            _ => Err(serde::de::Error::custom(format!("must be a whole number, not {n}"))),
        },
        Some(other) => Err(serde::de::Error::custom(format!("must be a whole number, not {other}"))),
    }
}

/// An optional whole number, written `3600` or `3600.0`.
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let whole = |f: f64| f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f);
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(n), _) => Ok(Some(n)),
            // Below 2^64 every whole f64 converts exactly.
            (None, Some(f)) if whole(f) => Ok(Some(f as u64)),
            _ => Err(serde::de::Error::custom(format!("must be a whole number of 0 or more, not {n}"))),
        },
        Some(other) => Err(serde::de::Error::custom(format!("must be a whole number of 0 or more, not {other}"))),
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::optional")]
        n: Option<u64>,
    }

    fn read(json: &str) -> Result<Option<u64>, serde_json::Error> {
        serde_json::from_str::<Body>(json).map(|b| b.n)
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction() {
        assert_eq!(read(r#"{"n": 3600}"#).unwrap(), Some(3600));
        assert_eq!(read(r#"{"n": 3600.0}"#).unwrap(), Some(3600));
        assert_eq!(read(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
    }

    #[derive(serde::Deserialize)]
    struct Signed {
        #[serde(deserialize_with = "super::signed")]
        n: i64,
    }

    #[test]
    fn a_signed_whole_number_may_be_negative_or_written_with_a_zero_fraction() {
        let read = |json: &str| serde_json::from_str::<Signed>(json).map(|b| b.n);
        assert_eq!(read(r#"{"n": -5}"#).unwrap(), -5);
        assert_eq!(read(r#"{"n": 1083040587.0}"#).unwrap(), 1_083_040_587);
        assert!(read(r#"{"n": 0.5}"#).is_err());
        assert!(read(r#"{"n": null}"#).is_err());
    }

    #[test]
    fn fractions_negatives_and_text_are_refused() {
        for json in [r#"{"n": 1.5}"#, r#"{"n": -1}"#, r#"{"n": -1.0}"#, r#"{"n": "1"}"#, r#"{"n": 1e20}"#] {
            assert!(read(json).is_err(), "{json}");
        }
    }
}
