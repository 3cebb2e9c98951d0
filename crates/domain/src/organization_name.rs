use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrganizationNameError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
}

/// An organization's display name: 1–255 characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, OrganizationNameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(OrganizationNameError::Blank);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(OrganizationNameError::TooLong { max: Self::MAX_CHARS });
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
    fn a_blank_organization_name_is_rejected() {
        assert_eq!(OrganizationName::parse(""), Err(OrganizationNameError::Blank));
    }
}
