//! Parsing of the fields a client may set on a key, shared by create and
//! update so that both apply the same rules.

use chrono::{DateTime, Utc};
use sesame_domain::{ExpiresAt, IpAllowList, KeyDescription, KeyKind, KeyLabel, Metadata, ScopeSet};

use crate::support::validation::ValidationErrors;

pub(crate) fn label(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<KeyLabel> {
    match raw {
        Some(raw) => errors.check("label", KeyLabel::parse(raw)),
        None => {
            errors.add("label", "is required");
            None
        }
    }
}

pub(crate) fn description(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<KeyDescription> {
    errors.check("description", KeyDescription::parse(raw.unwrap_or_default()))
}

pub(crate) fn scopes(errors: &mut ValidationErrors, raw: &[String], kind: KeyKind) -> Option<ScopeSet> {
    let scopes = errors.check("scopes", ScopeSet::parse(raw))?;
    if kind == KeyKind::Publishable {
        if let Some(scope) = scopes.iter().find(|s| s.is_management()) {
            errors.add("scopes", format!("a publishable key may not hold `{scope}`"));
            return None;
        }
    }
    Some(scopes)
}

pub(crate) fn ip_allow_list(errors: &mut ValidationErrors, raw: &[String]) -> Option<IpAllowList> {
    errors.check("ip_allow_list", IpAllowList::parse(raw))
}

pub(crate) fn expires_at(
    errors: &mut ValidationErrors,
    raw: Option<Result<DateTime<Utc>, String>>,
    now: DateTime<Utc>,
) -> Option<Option<ExpiresAt>> {
    match raw {
        None => Some(None),
        Some(Ok(at)) => errors.check("expires_at", ExpiresAt::parse(at, now)).map(Some),
        Some(Err(unreadable)) => {
            errors.add("expires_at", unreadable);
            None
        }
    }
}

pub(crate) fn metadata(errors: &mut ValidationErrors, raw: Option<serde_json::Value>) -> Option<Metadata> {
    match raw {
        None | Some(serde_json::Value::Null) => Some(Metadata::default()),
        Some(value) => errors.check("metadata", Metadata::parse(value)),
    }
}
