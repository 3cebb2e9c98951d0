use thiserror::Error;

/// Why a display name (a key's label, an organization's or service
/// account's name) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
}

/// Declares a human-readable name: 1–255 characters once trimmed.
macro_rules! display_name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = 255;

            pub fn parse(raw: &str) -> Result<Self, $crate::display_name::NameError> {
                let trimmed = raw.trim();
                if trimmed.is_empty() {
                    return Err($crate::display_name::NameError::Blank);
                }
                if trimmed.chars().count() > Self::MAX_CHARS {
                    return Err($crate::display_name::NameError::TooLong { max: Self::MAX_CHARS });
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
