use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyDescriptionError {
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
}

/// Free text describing a key. May be empty; bounded so a row stays small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyDescription(String);

impl KeyDescription {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: &str) -> Result<Self, KeyDescriptionError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(KeyDescriptionError::TooLong { max: Self::MAX_CHARS });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_over_1000_characters_is_rejected() {
        assert!(KeyDescription::parse(&"a".repeat(1001)).is_err());
        assert!(KeyDescription::parse(&"a".repeat(1000)).is_ok());
    }
}
