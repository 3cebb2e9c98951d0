/// The outcome of checking a presented key, as a gateway sees it.
///
/// An invalid key learns only its code: never which organization or key it
/// would have matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationCode {
    Valid,
    NotFound,
    Malformed,
    Expired,
    Revoked,
    ForbiddenIp,
    InsufficientScope,
    OrganizationDeactivated,
    /// Valid, but over one of its rate limits: nothing was spent.
    RateLimited,
    /// Valid, but its credits (or its service account's) do not cover the cost.
    UsageExceeded,
}

impl VerificationCode {
    pub const ALL: [VerificationCode; 10] = [
        VerificationCode::Valid,
        VerificationCode::NotFound,
        VerificationCode::Malformed,
        VerificationCode::Expired,
        VerificationCode::Revoked,
        VerificationCode::ForbiddenIp,
        VerificationCode::InsufficientScope,
        VerificationCode::OrganizationDeactivated,
        VerificationCode::RateLimited,
        VerificationCode::UsageExceeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationCode::Valid => "VALID",
            VerificationCode::NotFound => "NOT_FOUND",
            VerificationCode::Malformed => "MALFORMED",
            VerificationCode::Expired => "EXPIRED",
            VerificationCode::Revoked => "REVOKED",
            VerificationCode::ForbiddenIp => "FORBIDDEN_IP",
            VerificationCode::InsufficientScope => "INSUFFICIENT_SCOPE",
            VerificationCode::OrganizationDeactivated => "ORGANIZATION_DEACTIVATED",
            VerificationCode::RateLimited => "RATE_LIMITED",
            VerificationCode::UsageExceeded => "USAGE_EXCEEDED",
        }
    }
}
