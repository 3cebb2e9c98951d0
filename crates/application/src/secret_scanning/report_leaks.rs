use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use sesame_domain::ports::{ApiKeyRepository, Clock, ReportSignatures, SecretHasher, SignatureError};
use sesame_domain::{Actor, ApiKey, ApiToken, AuditAction, KeyKind, LeakLabel, OnLeak, ReportedToken};
use thiserror::Error;

use crate::authentication::verified_key_cache::VerifiedKeyCache;
use crate::support::audit::{changed_fields, event, key_snapshot, AuditContext};
use crate::Unexpected;

/// The header naming the partner's public key that signed the report.
pub const KEY_IDENTIFIER_HEADER: &str = "Github-Public-Key-Identifier";
/// The header holding the signature: base64 of a DER ECDSA P-256 signature
/// over the raw body, with SHA-256.
pub const SIGNATURE_HEADER: &str = "Github-Public-Key-Signature";

#[derive(Debug, Error)]
pub enum LeakReportError {
    /// No partner keys are configured: the endpoint is off.
    #[error("secret scanning is not configured on this server (setting secret_scanning.github_public_keys_file)")]
    NotConfigured,
    /// The report is not signed by one of the configured partner keys.
    #[error("the report's signature was refused: {0}")]
    Signature(#[from] SignatureError),
    #[error("the report could not be handled")]
    Unexpected(#[from] Unexpected),
}

/// Proof that a body's signature checked out: [`ReportLeaks::execute`]
/// takes one, so no report is acted on before its signature is verified.
#[derive(Debug)]
pub struct Authentic(());

/// The answer about one reported token, in the report's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakVerdict {
    /// The reported token, echoed as the partner sent it.
    pub token_raw: String,
    pub token_type: String,
    pub label: LeakLabel,
}

/// Answers a leak report: which tokens are Sesame's, and records (once) the
/// leak of each live key among them.
#[derive(Clone)]
pub struct ReportLeaks {
    keys: Arc<dyn ApiKeyRepository>,
    hasher: Arc<dyn SecretHasher>,
    clock: Arc<dyn Clock>,
    cache: VerifiedKeyCache,
    /// The partner's public keys; `None`: secret scanning is off.
    signatures: Option<Arc<dyn ReportSignatures>>,
    on_leak: OnLeak,
}

impl ReportLeaks {
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        hasher: Arc<dyn SecretHasher>,
        clock: Arc<dyn Clock>,
        cache: VerifiedKeyCache,
        signatures: Option<Arc<dyn ReportSignatures>>,
        on_leak: OnLeak,
    ) -> Self {
        Self { keys, hasher, clock, cache, signatures, on_leak }
    }

    /// Checks the report's signature over the raw `body`, before anything
    /// else is read from it.
    ///
    /// # Errors
    /// `NotConfigured` without partner keys; `Signature` for a missing
    /// header, an unknown key identifier or a signature that does not match.
    pub fn authenticate(
        &self,
        key_identifier: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Authentic, LeakReportError> {
        let signatures = self.signatures.as_ref().ok_or(LeakReportError::NotConfigured)?;
        let key_identifier = key_identifier.ok_or(SignatureError::Missing(KEY_IDENTIFIER_HEADER))?;
        let signature = signature.ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
        signatures.verify(key_identifier, signature, body)?;
        Ok(Authentic(()))
    }

    /// Judges each reported token. One that is not shaped like a Sesame key
    /// or fails its checksum is `false_positive` without a database read;
    /// one whose lookup id is unknown or whose secret does not match its
    /// stored hash is `false_positive` too. A token of a stored key is
    /// `true_positive`, and its key's leak is recorded the first time it is
    /// reported (revoked, or flagged, per `on_leak`); a replayed report
    /// changes nothing.
    ///
    /// # Errors
    /// `Unexpected` when storage or hashing fails; the partner retries.
    #[tracing::instrument(name = "report_leaks", skip_all, fields(tokens = reports.len()))]
    pub async fn execute(
        &self,
        _authentic: &Authentic,
        reports: Vec<ReportedToken>,
        reporter_ip: Option<IpAddr>,
    ) -> Result<Vec<LeakVerdict>, LeakReportError> {
        let now = self.clock.now();
        let mut verdicts = Vec::with_capacity(reports.len());
        for report in reports {
            let label = self.judge(&report, reporter_ip, now).await?;
            verdicts.push(LeakVerdict { token_raw: report.token, token_type: report.token_type, label });
        }
        Ok(verdicts)
    }

    async fn judge(
        &self,
        report: &ReportedToken,
        reporter_ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<LeakLabel, LeakReportError> {
        // The checksum first: another issuer's token costs no read.
        let Ok(token) = ApiToken::parse(&report.token) else {
            return Ok(LeakLabel::FalsePositive);
        };
        let found = self.keys.find_credential(&token.lookup()).await.map_err(unexpected)?;
        let Some(credential) = found else {
            return Ok(LeakLabel::FalsePositive);
        };
        let key = &credential.key;
        if key.kind != token.kind() || key.environment != token.environment() {
            return Ok(LeakLabel::FalsePositive);
        }
        // A token forged around a known lookup id must not revoke its key.
        if !self.hasher.verify(token.secret(), &credential.secret_hash).await.map_err(unexpected)? {
            return Ok(LeakLabel::FalsePositive);
        }
        if credential.secret_expires_at.is_some_and(|at| at <= now) {
            // A secret rotated out: it opens nothing any more, and the key's
            // current secret was not published.
            tracing::info!(key_id = %key.id, "a reported token's secret was rotated out already");
            return Ok(LeakLabel::TruePositive);
        }
        self.record(key, report, reporter_ip, now).await?;
        Ok(LeakLabel::TruePositive)
    }

    async fn record(
        &self,
        key: &ApiKey,
        report: &ReportedToken,
        reporter_ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<(), LeakReportError> {
        if key.leaked_at.is_some() {
            // Reported before: the report is replayed, or found elsewhere too.
            return Ok(());
        }
        // A publishable key is made to be embedded in clients: published,
        // it is flagged, never revoked.
        let revoke = self.on_leak == OnLeak::Revoke && key.kind == KeyKind::Secret;
        let mut leaked = key.clone();
        leaked.leaked_at = Some(now);
        leaked.updated_at = Some(now);
        if revoke && leaked.revoked_at.is_none() {
            leaked.revoked_at = Some(now);
        }
        let (before, mut after) = changed_fields(&key_snapshot(key), &key_snapshot(&leaked));
        after["report"] = json!({
            "partner": "github",
            "url": report.url,
            "source": report.source,
            "token_type": report.token_type,
            "on_leak": if revoke { "revoke" } else { "flag" },
        });
        let target_id = key.id.to_string();
        let audit = event(
            AuditContext {
                organization_id: key.organization_id,
                environment: key.environment,
                actor: Actor::secret_scanning(),
                ip: reporter_ip,
                at: now,
                target_id: &target_id,
            },
            AuditAction::ApiKeyLeaked,
            before,
            after,
        );
        let recorded = self.keys.mark_leaked(&leaked, &audit).await.map_err(unexpected)?;
        if recorded {
            self.cache.invalidate_key(key.id);
            // The URL and source are the partner's; the token is never logged.
            tracing::warn!(
                key_id = %key.id,
                organization_id = %key.organization_id,
                url = %report.url,
                source = %report.source,
                revoked = revoke,
                "an API key was reported leaked"
            );
        }
        Ok(())
    }
}

fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> LeakReportError {
    LeakReportError::Unexpected(Box::new(err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use sesame_domain::ports::{MockApiKeyRepository, MockReportSignatures, MockSecretHasher};
    use sesame_domain::{Environment, LookupId, SecretBytes};

    fn report(token: &str) -> ReportedToken {
        ReportedToken {
            token: token.to_owned(),
            token_type: "sesame_api_key".into(),
            url: "https://github.com/octo/app/blob/abc/config.py".into(),
            source: "content".into(),
        }
    }

    fn signed() -> MockReportSignatures {
        let mut signatures = MockReportSignatures::new();
        signatures.expect_verify().returning(|_, _, _| Ok(()));
        signatures
    }

    fn use_case(keys: MockApiKeyRepository, hasher: MockSecretHasher, on_leak: OnLeak) -> ReportLeaks {
        ReportLeaks::new(
            Arc::new(keys),
            Arc::new(hasher),
            Arc::new(fixed_clock()),
            test_cache(),
            Some(Arc::new(signed())),
            on_leak,
        )
    }

    fn matching() -> MockSecretHasher {
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().returning(|_, _| Ok(true));
        hasher
    }

    fn storing(key: ApiKey) -> MockApiKeyRepository {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().returning(move |_| Ok(Some(credential(key.clone()))));
        keys
    }

    async fn judge(use_case: &ReportLeaks, token: &str) -> LeakLabel {
        let authentic = use_case.authenticate(Some("k"), Some("s"), b"[]").unwrap();
        let verdicts = use_case.execute(&authentic, vec![report(token)], None).await.unwrap();
        assert_eq!(verdicts.len(), 1);
        assert_eq!(verdicts[0].token_raw, token);
        verdicts[0].label
    }

    #[tokio::test]
    async fn a_token_that_fails_the_format_or_checksum_is_false_positive_without_a_read() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().never();
        keys.expect_mark_leaked().never();
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().never();
        let use_case = use_case(keys, hasher, OnLeak::Revoke);
        let good = token().expose();
        let mut typo = good.clone().into_bytes();
        let last = typo.len() - 1;
        typo[last] = if typo[last] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        let other_issuer = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
        for foreign in [typo.as_str(), other_issuer, "sk_live_", "", &good.replacen("sk_live_", "sk_test_", 1)] {
            assert_eq!(judge(&use_case, foreign).await, LeakLabel::FalsePositive, "{foreign:?}");
        }
    }

    #[tokio::test]
    async fn an_unknown_lookup_id_or_a_wrong_secret_is_false_positive_and_changes_nothing() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().times(1).returning(|_| Ok(None));
        keys.expect_mark_leaked().never();
        assert_eq!(
            judge(&use_case(keys, MockSecretHasher::new(), OnLeak::Revoke), &token().expose()).await,
            LeakLabel::FalsePositive
        );

        let mut keys = storing(active_key());
        keys.expect_mark_leaked().never();
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().times(1).returning(|_, _| Ok(false));
        assert_eq!(judge(&use_case(keys, hasher, OnLeak::Revoke), &token().expose()).await, LeakLabel::FalsePositive);
    }

    #[tokio::test]
    async fn a_live_secret_key_is_revoked_and_its_leak_audited_by_the_system_with_the_url() {
        let mut keys = storing(active_key());
        keys.expect_mark_leaked()
            .withf(|key, event| {
                key.leaked_at == Some(now())
                    && key.revoked_at == Some(now())
                    && event.action == AuditAction::ApiKeyLeaked
                    && event.actor == Actor::secret_scanning()
                    && event.after["report"]["url"] == "https://github.com/octo/app/blob/abc/config.py"
                    && event.after["report"]["source"] == "content"
                    && event.after["revoked_at"].is_string()
                    && !event.after.to_string().contains(&token().expose())
            })
            .times(1)
            .returning(|_, _| Ok(true));
        let label = judge(&use_case(keys, matching(), OnLeak::Revoke), &token().expose()).await;
        assert_eq!(label, LeakLabel::TruePositive);
    }

    #[tokio::test]
    async fn with_on_leak_flag_a_key_is_only_flagged() {
        let mut keys = storing(active_key());
        keys.expect_mark_leaked()
            .withf(|key, _| key.leaked_at == Some(now()) && key.revoked_at.is_none())
            .times(1)
            .returning(|_, _| Ok(true));
        assert_eq!(judge(&use_case(keys, matching(), OnLeak::Flag), &token().expose()).await, LeakLabel::TruePositive);
    }

    #[tokio::test]
    async fn a_publishable_key_is_flagged_never_revoked() {
        let publishable = ApiToken::new(
            KeyKind::Publishable,
            Environment::Live,
            LookupId::from_bytes([1; 16]),
            SecretBytes::from_bytes([2; 32]),
        );
        let mut keys = storing(ApiKey { kind: KeyKind::Publishable, ..active_key() });
        keys.expect_mark_leaked().withf(|key, _| key.revoked_at.is_none()).times(1).returning(|_, _| Ok(true));
        let label = judge(&use_case(keys, matching(), OnLeak::Revoke), &publishable.expose()).await;
        assert_eq!(label, LeakLabel::TruePositive);
    }

    #[tokio::test]
    async fn a_key_reported_before_is_true_positive_and_nothing_is_written_again() {
        let mut keys = storing(ApiKey { leaked_at: Some(now()), revoked_at: Some(now()), ..active_key() });
        keys.expect_mark_leaked().never();
        assert_eq!(
            judge(&use_case(keys, matching(), OnLeak::Revoke), &token().expose()).await,
            LeakLabel::TruePositive
        );
    }

    #[tokio::test]
    async fn a_secret_rotated_out_is_true_positive_and_leaves_the_key_alone() {
        let mut keys = MockApiKeyRepository::new();
        keys.expect_find_credential().returning(|_| {
            let mut old = credential(active_key());
            old.secret_expires_at = Some(now() - chrono::Duration::hours(1));
            Ok(Some(old))
        });
        keys.expect_mark_leaked().never();
        assert_eq!(
            judge(&use_case(keys, matching(), OnLeak::Revoke), &token().expose()).await,
            LeakLabel::TruePositive
        );
    }

    #[tokio::test]
    async fn nothing_is_judged_without_a_good_signature() {
        let off = ReportLeaks::new(
            Arc::new(MockApiKeyRepository::new()),
            Arc::new(MockSecretHasher::new()),
            Arc::new(fixed_clock()),
            test_cache(),
            None,
            OnLeak::Revoke,
        );
        assert!(matches!(off.authenticate(Some("k"), Some("s"), b"[]"), Err(LeakReportError::NotConfigured)));

        let mut signatures = MockReportSignatures::new();
        signatures.expect_verify().returning(|_, _, _| Err(SignatureError::Mismatch));
        let on = ReportLeaks::new(
            Arc::new(MockApiKeyRepository::new()),
            Arc::new(MockSecretHasher::new()),
            Arc::new(fixed_clock()),
            test_cache(),
            Some(Arc::new(signatures)),
            OnLeak::Revoke,
        );
        let refused = |result: Result<Authentic, LeakReportError>| match result {
            Err(LeakReportError::Signature(err)) => err,
            other => panic!("expected a refused signature, got {other:?}"),
        };
        assert_eq!(refused(on.authenticate(None, Some("s"), b"[]")), SignatureError::Missing(KEY_IDENTIFIER_HEADER));
        assert_eq!(refused(on.authenticate(Some("k"), None, b"[]")), SignatureError::Missing(SIGNATURE_HEADER));
        assert_eq!(refused(on.authenticate(Some("k"), Some("s"), b"[]")), SignatureError::Mismatch);
    }
}
