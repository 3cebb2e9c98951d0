//! Parsing of the fields a client may set on a key, shared by create and
//! update so that both apply the same rules. Each records its problem under
//! the field's name and gives the typed value when there is none.

use chrono::{DateTime, Utc};
use sesame_domain::{ExpiresAt, IpAllowList, KeyDescription, KeyKind, KeyLabel, Metadata, ScopeSet};

use crate::support::validation::ValidationErrors;

pub(crate) fn label(errors: &mut ValidationErrors, raw: &str) -> Option<KeyLabel> {
    errors.check("label", KeyLabel::parse(raw))
}

pub(crate) fn description(errors: &mut ValidationErrors, raw: &str) -> Option<KeyDescription> {
    errors.check("description", KeyDescription::parse(raw))
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

/// A time as the client wrote it, which must lie in the future.
pub(crate) fn expires_at(errors: &mut ValidationErrors, raw: &str, now: DateTime<Utc>) -> Option<ExpiresAt> {
    errors.check("expires_at", ExpiresAt::parse_text(raw, now))
}

/// JSON `null` stands for no metadata.
pub(crate) fn metadata(errors: &mut ValidationErrors, raw: serde_json::Value) -> Option<Metadata> {
    match raw {
        serde_json::Value::Null => Some(Metadata::default()),
        value => errors.check("metadata", Metadata::parse(value)),
    }
}
