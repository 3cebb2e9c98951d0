//! Who is calling: a presented key checked against its stored hash (with the
//! verified-key cache in front and the failed-attempt budgets beside it), or
//! a JWT access token from the configured provider.

pub mod access_token;
pub mod authenticate;
pub mod check_metrics;
pub mod failure_limiter;
pub mod rehash;
pub mod verified_key_cache;

pub use access_token::{AccessTokenAuthenticationError, AuthenticateAccessToken};
pub use authenticate::{Authenticate, AuthenticationError, Verified};
pub use failure_limiter::{FailureLimiter, FailureLimits};
pub use rehash::RehashQueue;
pub use verified_key_cache::{VerifiedCredential, VerifiedKeyCache};
