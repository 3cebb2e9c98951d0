//! Leaked keys, reported by a secret-scanning partner (GitHub's partner
//! program): a signed list of tokens found published, each answered
//! `true_positive` or `false_positive`; a live key among them is revoked, or
//! only flagged (docs/decisions/0010-leaked-keys.md).

mod report_leaks;

pub use report_leaks::{Authentic, LeakReportError, LeakVerdict, ReportLeaks, KEY_IDENTIFIER_HEADER, SIGNATURE_HEADER};
