use crate::display_name::display_name;

pub type OrganizationNameError = crate::display_name::NameError;

display_name!(
    /// An organization's display name: 1–255 characters once trimmed.
    OrganizationName
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_organization_name_is_rejected() {
        assert_eq!(OrganizationName::parse(""), Err(OrganizationNameError::Blank));
    }
}
