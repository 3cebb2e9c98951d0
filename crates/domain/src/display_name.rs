use thiserror::Error;

/// Why a display name (a key's label, an organization's or service
/// account's name) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters (found U+{:04X})", u32::from(*.0))]
    ControlCharacter(char),
}

/// The first control character of `text` (C0, DEL, C1), if any; with
/// `line_breaks`, tab, line feed and carriage return are allowed. Control
/// characters have no place in a name, PostgreSQL cannot store NUL in text,
/// and a line break in a name would forge lines in whatever prints it.
pub(crate) fn first_control(text: &str, line_breaks: bool) -> Option<char> {
    text.chars().find(|c| c.is_control() && !(line_breaks && matches!(c, '\t' | '\n' | '\r')))
}

/// Declares a human-readable name: 1–255 characters once trimmed.
macro_rules! display_name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = 255;

            /// Length and control characters are judged on `raw` as sent,
            /// so the document's `maxLength` and pattern say the same.
            pub fn parse(raw: &str) -> Result<Self, $crate::display_name::NameError> {
                if raw.chars().count() > Self::MAX_CHARS {
                    return Err($crate::display_name::NameError::TooLong { max: Self::MAX_CHARS });
                }
                if let Some(c) = $crate::display_name::first_control(raw, false) {
                    return Err($crate::display_name::NameError::ControlCharacter(c));
                }
                let trimmed = raw.trim();
                if trimmed.is_empty() {
                    return Err($crate::display_name::NameError::Blank);
                }
                Ok(Self(trimmed.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

pub(crate) use display_name;
