//! `POST /secret_scanning/github`: GitHub's secret-scanning partner
//! contract. GitHub posts the tokens matching Sesame's registered pattern
//! that it found published, signed with one of its keys; the answer labels
//! each token. Beside the dialects, not one of them: the body and the answer
//! are GitHub's, only the errors are in the native shape.
//! docs/secret-scanning.md has the pattern and the set-up.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sesame_application::secret_scanning::{LeakReportError, LeakVerdict, KEY_IDENTIFIER_HEADER, SIGNATURE_HEADER};
use sesame_domain::ports::SignatureError;
use sesame_domain::{LeakLabel, ReportedToken};
use utoipa::{OpenApi, ToSchema};

use crate::dialects::native::Native;
use crate::error_case::{Case, ErrorCase, Internal, LargeBody, SlowBody, UnreadableBody};
use crate::error_docs::Errors;
use crate::error_shape::resource;
use crate::{ApiError, JsonBody, Services};

pub const TAG: &str = "Secret scanning";

const PATH: &str = "/secret_scanning/github";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(report_github_leaks).service(resource::<Native>(&[PATH], "POST"));
}

#[derive(OpenApi)]
#[openapi(
    paths(report_github_leaks),
    components(schemas(LeakReportItem, LeakVerdictItem, Label)),
    tags((name = TAG, description = "Leaked keys reported by GitHub's secret scanning partner program: docs/secret-scanning.md"))
)]
struct SecretScanningApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::dialects::tagged(SecretScanningApi::openapi(), TAG)
}

/// One token GitHub found published.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LeakReportItem {
    /// The token as found. A secret: never logged.
    #[schema(example = "sk_live_3yQmB7cMWJqPvVvTRwDmnuxx")]
    pub token: String,
    /// The name of the pattern that matched, as registered with GitHub.
    #[serde(rename = "type")]
    #[schema(example = "sesame_api_key")]
    pub token_type: String,
    /// Where the token was found.
    #[schema(
        example = "https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/foo/bar.txt"
    )]
    pub url: String,
    /// What kind of place: `content`, `commit`, `pull_request_description`, `issue_comment`, `npm`, …
    /// Absent from older reports.
    #[serde(default)]
    #[schema(example = "content")]
    pub source: String,
}

impl From<LeakReportItem> for ReportedToken {
    fn from(item: LeakReportItem) -> Self {
        ReportedToken { token: item.token, token_type: item.token_type, url: item.url, source: item.source }
    }
}

/// Sesame's answer about one reported token, in the report's order.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeakVerdictItem {
    /// The reported token, echoed.
    #[schema(example = "sk_live_3yQmB7cMWJqPvVvTRwDmnuxx")]
    pub token_raw: String,
    #[schema(example = "sesame_api_key")]
    pub token_type: String,
    pub label: Label,
}

/// `true_positive`: a token of a key Sesame stores; `false_positive`: not
/// one (wrong shape or checksum, unknown lookup id, wrong secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = LeakLabel)]
pub enum Label {
    TruePositive,
    FalsePositive,
}

impl From<LeakVerdict> for LeakVerdictItem {
    fn from(verdict: LeakVerdict) -> Self {
        let label = match verdict.label {
            LeakLabel::TruePositive => Label::TruePositive,
            LeakLabel::FalsePositive => Label::FalsePositive,
        };
        Self { token_raw: verdict.token_raw, token_type: verdict.token_type, label }
    }
}

impl From<LeakReportError> for ApiError {
    fn from(err: LeakReportError) -> Self {
        match err {
            LeakReportError::NotConfigured => ApiError::not_found(err.to_string()),
            LeakReportError::Signature(_) => ApiError::unauthenticated(err.to_string()),
            LeakReportError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

/// A signature that is missing, of an unknown key, or does not match.
pub struct BadSignature;

impl ErrorCase for BadSignature {
    const CASE: Case = Case::Unauthenticated;

    fn example() -> ApiError {
        LeakReportError::Signature(SignatureError::Mismatch).into()
    }

    fn description() -> Option<&'static str> {
        Some("The signature headers are missing, name a key that is not configured, or do not match the body; nothing was read or changed")
    }
}

/// Secret scanning is off on this server.
pub struct ScanningOff;

impl ErrorCase for ScanningOff {
    const CASE: Case = Case::NotFound;

    fn example() -> ApiError {
        LeakReportError::NotConfigured.into()
    }

    fn description() -> Option<&'static str> {
        Some("Secret scanning is off: `secret_scanning.github_public_keys_file` is not set")
    }
}

/// A body that is JSON but not an array of reports.
pub struct NotAReport;

impl ErrorCase for NotAReport {
    const CASE: Case = Case::InvalidBody;

    fn example() -> ApiError {
        crate::json_body::parse::<Vec<LeakReportItem>>(br#"[{"type":"sesame_api_key","url":"https://github.com/o/r"}]"#)
            .expect_err("a report without its token")
    }

    fn description() -> Option<&'static str> {
        Some("A signed body that is not an array of `{token, type, url, source}`; the field is named")
    }
}

/// Report leaked tokens (GitHub secret scanning)
///
/// GitHub's secret-scanning partner contract. GitHub posts the tokens
/// matching Sesame's registered pattern that it found published, and
/// signs the raw body: `Github-Public-Key-Signature` is base64 of a DER
/// ECDSA P-256 signature (SHA-256) by the key `Github-Public-Key-Identifier`
/// names, one of those of `secret_scanning.github_public_keys_file`. The
/// signature is checked before anything else; a bad one is 401 and changes
/// nothing. Each token is then labelled: one that is not shaped like a
/// Sesame key or fails its checksum is `false_positive` without a database
/// read; one of a stored key (secret included) is `true_positive`, and the
/// first report of a live key revokes it (`secret_scanning.on_leak =
/// "revoke"`, the default; a publishable key is only flagged) or flags it
/// (`"flag"`): its `leaked_at` is set and an `api_key.leaked` audit event
/// names the URL and source. A replayed report changes nothing. The call
/// needs no key: its signature is its credential.
#[utoipa::path(
    params(
        ("Github-Public-Key-Identifier" = String, Header, description = "The identifier of GitHub's key that signed the body",
            example = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a"),
        ("Github-Public-Key-Signature" = String, Header, description = "Base64 of the DER ECDSA P-256 signature of the raw body (SHA-256)",
            example = "MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc="),
    ),
    request_body(content = Vec<LeakReportItem>, example = json!([{"token": "sk_live_3yQmB7cMWJqPvVvTRwDmnuxx", "type": "sesame_api_key", "url": "https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/foo/bar.txt", "source": "content"}])),
    responses(
        (status = 200, description = "A label per reported token, in the report's order", body = Vec<LeakVerdictItem>,
            example = json!([{"token_raw": "sk_live_3yQmB7cMWJqPvVvTRwDmnuxx", "token_type": "sesame_api_key", "label": "false_positive"}])),
        Errors<Native, (UnreadableBody, BadSignature, ScanningOff, SlowBody, LargeBody, NotAReport, Internal)>,
    ),
    security(())
)]
#[post("/secret_scanning/github")]
pub async fn report_github_leaks(
    req: HttpRequest,
    services: web::Data<Services>,
    body: JsonBody<Vec<LeakReportItem>>,
) -> Result<HttpResponse, ApiError> {
    let use_case = &services.report_leaks;
    let header = |name: &str| {
        req.headers().get(name).and_then(|value| value.to_str().ok()).map(str::trim).filter(|value| !value.is_empty())
    };
    // The signature over the raw bytes, before they are parsed.
    let authentic = use_case.authenticate(header(KEY_IDENTIFIER_HEADER), header(SIGNATURE_HEADER), body.raw())?;
    let reports = body.parse()?.into_iter().map(ReportedToken::from).collect();
    let verdicts = use_case.execute(&authentic, reports, req.peer_addr().map(|addr| addr.ip())).await?;
    let answer: Vec<LeakVerdictItem> = verdicts.into_iter().map(LeakVerdictItem::from).collect();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(answer))
}
