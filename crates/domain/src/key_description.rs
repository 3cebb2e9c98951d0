use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyDescriptionError {
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    /// Line breaks and tabs are text; other control characters are not.
    #[error("must not contain control characters other than tab and line breaks (found U+{:04X})", u32::from(*.0))]
    ControlCharacter(char),
}

/// Free text describing a key. May be empty; bounded so a row stays small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyDescription(String);

impl KeyDescription {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: &str) -> Result<Self, KeyDescriptionError> {
        // Judged as sent, as the document's `maxLength` and pattern judge it.
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(KeyDescriptionError::TooLong { max: Self::MAX_CHARS });
        }
        if let Some(c) = crate::display_name::first_control(raw, true) {
            return Err(KeyDescriptionError::ControlCharacter(c));
        }
        Ok(Self(raw.trim().to_owned()))
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

    #[test]
    fn a_description_may_hold_line_breaks_but_no_other_control_character() {
        assert!(KeyDescription::parse("line one\nline two\tend").is_ok());
        assert_eq!(KeyDescription::parse("a\u{0}b"), Err(KeyDescriptionError::ControlCharacter('\u{0}')));
        assert_eq!(KeyDescription::parse("a\u{1b}[31m"), Err(KeyDescriptionError::ControlCharacter('\u{1b}')));
    }
}
