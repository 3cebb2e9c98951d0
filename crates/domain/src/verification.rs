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
}

impl VerificationCode {
    pub const ALL: [VerificationCode; 8] = [
        VerificationCode::Valid,
        VerificationCode::NotFound,
        VerificationCode::Malformed,
        VerificationCode::Expired,
        VerificationCode::Revoked,
        VerificationCode::ForbiddenIp,
        VerificationCode::InsufficientScope,
        VerificationCode::OrganizationDeactivated,
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
        }
    }
}
