//! Usage limits: named rate limits and credits, of a key and of its service
//! account, spent after the key checked out. A key without limits pays one
//! branch; see docs/limits.md for the model and the guarantees per store.

pub mod fallback_rate_limit_store;
pub mod input;
pub mod memory_rate_limit_store;
pub(crate) mod snapshot;
pub mod usage_limiter;

pub use fallback_rate_limit_store::FallbackRateLimitStore;
pub use input::{CreditsInput, RateLimitInput, RefillInput};
pub use memory_rate_limit_store::MemoryRateLimitStore;
pub use usage_limiter::{ratelimit_fields, LimitError, UsageLimiter, UsageRejection, UsageReport, MAX_COST};
