use serde_json::{Map, Value};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetadataError {
    #[error("must be a JSON object")]
    NotAnObject,
    #[error("must be at most {max} bytes once serialized")]
    TooLarge { max: usize },
}

/// Caller-defined JSON attached to a key and returned on verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    /// Bounded so that verification responses and rows stay small.
    pub const MAX_BYTES: usize = 16 * 1024;

    pub fn parse(value: Value) -> Result<Self, MetadataError> {
        let Value::Object(map) = value else {
            return Err(MetadataError::NotAnObject);
        };
        let size = serde_json::to_vec(&map).map_or(usize::MAX, |bytes| bytes.len());
        if size > Self::MAX_BYTES {
            return Err(MetadataError::TooLarge { max: Self::MAX_BYTES });
        }
        Ok(Self(map))
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_must_be_an_object() {
        assert_eq!(Metadata::parse(json!([1, 2])), Err(MetadataError::NotAnObject));
        assert!(Metadata::parse(json!({"plan": "pro"})).is_ok());
    }

    #[test]
    fn oversized_metadata_is_rejected() {
        let big = "x".repeat(Metadata::MAX_BYTES);
        assert!(matches!(Metadata::parse(json!({ "blob": big })), Err(MetadataError::TooLarge { .. })));
    }
}
