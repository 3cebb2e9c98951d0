use thiserror::Error;

/// Why a leak report's signature was refused. Each message is safe to show
/// the caller and names the problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("the `{0}` header is missing")]
    Missing(&'static str),
    #[error("the public key identifier is not one of the configured keys")]
    UnknownKey,
    #[error("the signature is not base64 of a DER-encoded ECDSA signature")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks that a leak report comes from the partner: a signature over the
/// raw body, by one of the partner's public keys named by its identifier.
///
/// Synchronous on purpose: one ECDSA verification takes microseconds.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait ReportSignatures: Send + Sync {
    /// # Errors
    /// `UnknownKey`, `Malformed` or `Mismatch`; never reads `body` twice.
    fn verify(&self, key_identifier: &str, signature: &str, body: &[u8]) -> Result<(), SignatureError>;
}
