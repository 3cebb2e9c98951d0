use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyLabelError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
}

/// A key's human-readable label: 1–255 characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLabel(String);

impl KeyLabel {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, KeyLabelError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(KeyLabelError::Blank);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(KeyLabelError::TooLong { max: Self::MAX_CHARS });
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
    fn a_blank_label_is_rejected() {
        assert_eq!(KeyLabel::parse("   "), Err(KeyLabelError::Blank));
    }

    #[test]
    fn a_label_of_256_characters_is_rejected() {
        let raw = "é".repeat(256);
        assert_eq!(KeyLabel::parse(&raw), Err(KeyLabelError::TooLong { max: 255 }));
    }

    #[test]
    fn a_label_of_255_multibyte_characters_is_accepted_and_trimmed() {
        let raw = format!(" {} ", "é".repeat(255));
        assert_eq!(KeyLabel::parse(&raw).unwrap().as_str(), "é".repeat(255));
    }
}
