use thiserror::Error;

/// Why a prefixed identifier (`api_key_…`, `org_…`) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("must start with `{expected}`")]
    WrongPrefix { expected: &'static str },
    #[error("must be `{expected}` followed by a UUID")]
    NotAUuid { expected: &'static str },
}

/// Declares an identifier made of a fixed prefix and a UUIDv7.
///
/// UUIDv7 is time-ordered, so ordering ids orders by creation time: keyset
/// pagination and B-tree locality come for free (see docs/decisions).
macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh, time-ordered identifier.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                Self(uuid)
            }

            pub fn uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}{}", Self::PREFIX, self.0.hyphenated())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::prefixed_id::IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let rest = s.strip_prefix(Self::PREFIX).ok_or(
                    $crate::prefixed_id::IdError::WrongPrefix { expected: Self::PREFIX },
                )?;
                // Only the hyphenated form Sesame writes: one spelling per id.
                let hyphenated = rest.len() == 36;
                uuid::Uuid::try_parse(rest)
                    .ok()
                    .filter(|_| hyphenated)
                    .ok_or(())
                    .map(Self)
                    .map_err(|_| $crate::prefixed_id::IdError::NotAUuid { expected: Self::PREFIX })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

pub(crate) use prefixed_id;
