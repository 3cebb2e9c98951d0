use crate::display_name::display_name;

pub type KeyLabelError = crate::display_name::NameError;

display_name!(
    /// A key's human-readable label: 1–255 characters once trimmed.
    KeyLabel
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_with_a_control_character_is_rejected_naming_it() {
        assert_eq!(KeyLabel::parse("a\u{0}b"), Err(KeyLabelError::ControlCharacter('\u{0}')));
        assert_eq!(KeyLabel::parse("fake\nINFO api key revoked"), Err(KeyLabelError::ControlCharacter('\n')));
        assert_eq!(
            KeyLabel::parse("a\u{0}b").unwrap_err().to_string(),
            "must not contain control characters (found U+0000)"
        );
    }

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
    fn a_label_of_255_multibyte_characters_is_accepted() {
        assert_eq!(KeyLabel::parse(&"é".repeat(255)).unwrap().as_str(), "é".repeat(255));
    }

    #[test]
    fn a_label_is_trimmed_but_measured_and_checked_as_sent() {
        assert_eq!(KeyLabel::parse(" key ").unwrap().as_str(), "key");
        let padded = format!(" {} ", "é".repeat(254));
        assert_eq!(KeyLabel::parse(&padded), Err(KeyLabelError::TooLong { max: 255 }), "as the schema's maxLength");
        assert_eq!(KeyLabel::parse("\nkey"), Err(KeyLabelError::ControlCharacter('\n')), "as the schema's pattern");
    }
}
