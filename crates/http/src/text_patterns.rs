//! The rules of the domain's text types, as JSON Schema patterns, so the
//! document says what the server enforces. utoipa takes only literals, so
//! the schemas repeat these; a test holds every copy in the document to
//! them (`sesame_domain::display_name`,
//! `KeyDescription`): no control character (C0, DEL, C1), and a name holds
//! at least one character that is not white space.

/// A display name: a key's label, an organization's or service account's
/// name.
pub const NAME: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";

/// Free text: tab and line breaks are allowed, other control characters
/// are not.
pub const DESCRIPTION: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_domain::{KeyDescription, KeyLabel};

    /// The patterns (whose `\u` escapes and `\s` the regex crate reads as JSON
    /// Schema's readers do) agree with the domain's parsers.
    #[test]
    fn the_patterns_accept_exactly_what_the_domain_accepts() {
        let name = regex::Regex::new(NAME).unwrap();
        for text in ["My key", "é", "x\u{a0}y", " padded ", "", " \t", "a\u{0}b", "a\nb", "\u{85}x", "a\u{7f}"] {
            assert_eq!(name.is_match(text), KeyLabel::parse(text).is_ok(), "{text:?}");
        }
        let description = regex::Regex::new(DESCRIPTION).unwrap();
        for text in ["", "two\nlines\tand a tab\r\n", "a\u{0}b", "bell\u{7}", "\u{9f}"] {
            assert_eq!(description.is_match(text), KeyDescription::parse(text).is_ok(), "{text:?}");
        }
    }

    /// Every text pattern in the document is one of these, character for
    /// character.
    #[test]
    fn every_control_character_pattern_in_the_document_is_one_of_these() {
        let doc = serde_json::to_value(crate::openapi::openapi()).unwrap();
        let mut found = Vec::new();
        collect_patterns(&doc, &mut found);
        let text_patterns: Vec<_> = found.iter().filter(|p| p.contains(r"\u0000")).collect();
        assert!(text_patterns.len() >= 6, "{text_patterns:?}");
        for pattern in text_patterns {
            assert!(*pattern == NAME || *pattern == DESCRIPTION, "{pattern}");
        }
    }

    fn collect_patterns(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("pattern", serde_json::Value::String(p)) => found.push(p.clone()),
                        _ => collect_patterns(value, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, found)),
            _ => {}
        }
    }
}
