use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PageLimitError {
    #[error("must be between 1 and {max}")]
    OutOfRange { max: u32 },
}

/// How many items one page holds: 1–100, 20 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub const MAX: u32 = 100;
    pub const DEFAULT: PageLimit = PageLimit(20);

    pub fn parse(n: u32) -> Result<Self, PageLimitError> {
        if n == 0 || n > Self::MAX {
            return Err(PageLimitError::OutOfRange { max: Self::MAX });
        }
        Ok(Self(n))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("is not a cursor this API issued")]
pub struct CursorError;

/// An opaque keyset-pagination cursor: the id of the last item of the previous
/// page. Items are ordered by id (UUIDv7, so by creation time), so fetching
/// page N costs the same index seek as page 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(uuid::Uuid);

impl Cursor {
    const PREFIX: &'static str = "cur_";

    pub fn after(uuid: uuid::Uuid) -> Self {
        Self(uuid)
    }

    pub fn parse(raw: &str) -> Result<Self, CursorError> {
        let hex = raw.strip_prefix(Self::PREFIX).ok_or(CursorError)?;
        if hex.len() != 32 {
            return Err(CursorError);
        }
        uuid::Uuid::try_parse(hex).map(Self).map_err(|_| CursorError)
    }

    pub fn uuid(&self) -> uuid::Uuid {
        self.0
    }

    pub fn encode(&self) -> String {
        format!("{}{}", Self::PREFIX, self.0.simple())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_above_100_is_rejected() {
        assert!(PageLimit::parse(101).is_err());
        assert!(PageLimit::parse(0).is_err());
        assert_eq!(PageLimit::parse(100).unwrap().get(), 100);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_rejected() {
        let cursor = Cursor::after(uuid::Uuid::now_v7());
        assert_eq!(Cursor::parse(&cursor.encode()).unwrap(), cursor);
        assert_eq!(Cursor::parse("cur_zzz"), Err(CursorError));
        assert_eq!(Cursor::parse("nonsense"), Err(CursorError));
    }
}
