use crate::prefixed_id::prefixed_id;

prefixed_id!(
    /// Identifies an API key: `api_key_<uuid v7>`. Public, never a secret.
    ApiKeyId,
    "api_key_"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdError;

    #[test]
    fn an_id_round_trips_through_its_text_form() {
        let id = ApiKeyId::generate();
        let text = id.to_string();
        assert!(text.starts_with("api_key_"));
        assert_eq!(text.parse::<ApiKeyId>().unwrap(), id);
    }

    #[test]
    fn an_id_with_another_prefix_is_rejected() {
        let err = "org_0197c0f1-9589-7990-b421-4b806f637b0c".parse::<ApiKeyId>().unwrap_err();
        assert_eq!(err, IdError::WrongPrefix { expected: "api_key_" });
    }

    #[test]
    fn an_id_without_a_uuid_is_rejected() {
        let err = "api_key_nope".parse::<ApiKeyId>().unwrap_err();
        assert_eq!(err, IdError::NotAUuid { expected: "api_key_" });
    }
}
