use std::fmt;

use thiserror::Error;

use crate::{ScopeSet, UnknownScope};

/// Why a route rule cannot be used; the setting's loader names the rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteRuleError {
    #[error("path `{0}` must start with `/`")]
    NotAbsolute(String),
    #[error("path `{path}`: `{segment}` mixes `*` with other characters; `*` and `**` must be whole segments")]
    PartialWildcard { path: String, segment: String },
    #[error("path `{0}`: `**` may only be the last segment")]
    InnerRest(String),
    #[error("method `{0}` is not an HTTP method name (letters only, or `*` for any)")]
    BadMethod(String),
    #[error(transparent)]
    UnknownScope(#[from] UnknownScope),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `*`: exactly one segment, whatever it holds.
    One,
    /// `**`, last: any number of segments, none included.
    Rest,
}

/// A path pattern: `/products`, `/products/*`, `/admin/**`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PathPattern {
    raw: String,
    segments: Vec<Segment>,
}

impl PathPattern {
    fn parse(raw: &str) -> Result<Self, RouteRuleError> {
        let raw = raw.trim();
        let Some(rest) = raw.strip_prefix('/') else {
            return Err(RouteRuleError::NotAbsolute(raw.to_owned()));
        };
        let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let segment = match *part {
                "*" => Segment::One,
                "**" if i + 1 == parts.len() => Segment::Rest,
                "**" => return Err(RouteRuleError::InnerRest(raw.to_owned())),
                literal if literal.contains('*') => {
                    return Err(RouteRuleError::PartialWildcard { path: raw.to_owned(), segment: literal.to_owned() })
                }
                literal => Segment::Literal(literal.to_owned()),
            };
            segments.push(segment);
        }
        Ok(Self { raw: raw.to_owned(), segments })
    }

    fn matches(&self, path: &[String]) -> bool {
        let mut i = 0;
        for segment in &self.segments {
            match segment {
                Segment::Rest => return true,
                Segment::One => {
                    if i >= path.len() {
                        return false;
                    }
                }
                Segment::Literal(literal) => {
                    if path.get(i) != Some(literal) {
                        return false;
                    }
                }
            }
            i += 1;
        }
        i == path.len()
    }
}

/// One rule: requests with one of `methods` (all when empty) to a path
/// matching the pattern require `scopes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    methods: Vec<String>,
    path: PathPattern,
    scopes: ScopeSet,
}

impl RouteRule {
    /// `methods` are HTTP method names (any case; `*` or none for any),
    /// `path` a pattern whose `*` segment matches one segment and whose
    /// last `**` matches the rest, `scopes` names of the catalogue.
    ///
    /// # Errors
    /// A relative path, a `*` inside a segment, a `**` before the end, a
    /// method that is not a token of letters, an unknown scope.
    pub fn parse<M, S>(methods: M, path: &str, scopes: S) -> Result<Self, RouteRuleError>
    where
        M: IntoIterator,
        M::Item: AsRef<str>,
        S: IntoIterator,
        S::Item: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for method in methods {
            let method = method.as_ref().trim();
            if method == "*" {
                parsed.clear();
                break;
            }
            if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(RouteRuleError::BadMethod(method.to_owned()));
            }
            parsed.push(method.to_ascii_uppercase());
        }
        let path = PathPattern::parse(path)?;
        let scopes = ScopeSet::parse(scopes)?;
        Ok(Self { methods: parsed, path, scopes })
    }

    fn matches(&self, method: &str, path: &[String]) -> bool {
        (self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
            && self.path.matches(path)
    }

    pub fn scopes(&self) -> &ScopeSet {
        &self.scopes
    }
}

impl fmt::Display for RouteRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let methods = if self.methods.is_empty() { "*".to_owned() } else { self.methods.join(",") };
        write!(f, "{methods} {}", self.path.raw)
    }
}

/// The scopes each original request requires: the first rule that matches
/// its method and path, else the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteRules {
    rules: Vec<RouteRule>,
    default: ScopeSet,
}

impl RouteRules {
    pub fn new(rules: Vec<RouteRule>, default: ScopeSet) -> Self {
        Self { rules, default }
    }

    /// The scopes `method` on `uri` requires. `uri` is the original request
    /// target as the gateway saw it, query included: the query is dropped,
    /// percent escapes decoded, empty and `.` segments removed and `..`
    /// resolved, so that `/public/../admin` is matched as the `/admin` the
    /// upstream will serve, not as a path no rule names.
    pub fn required(&self, method: &str, uri: &str) -> &ScopeSet {
        // The hot path of a gateway without rules: nothing to normalize.
        if self.rules.is_empty() {
            return &self.default;
        }
        let path = normalized_segments(uri);
        self.rules.iter().find(|rule| rule.matches(method, &path)).map_or(&self.default, RouteRule::scopes)
    }
}

/// `uri`'s path as segments, normalized as a server resolves it.
fn normalized_segments(uri: &str) -> Vec<String> {
    let path = uri.split(['?', '#']).next().unwrap_or("");
    // An absolute-form target (`http://host/path`) names its path after the authority.
    let path = match path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => path,
    };
    let decoded = percent_decoded(path);
    let mut segments: Vec<String> = Vec::new();
    // A decoded `%2F` separates segments too: an upstream that decodes it
    // sees two segments.
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other.to_owned()),
        }
    }
    segments
}

fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scope;

    fn rule(methods: &[&str], path: &str, scopes: &[&str]) -> RouteRule {
        RouteRule::parse(methods, path, scopes).unwrap()
    }

    fn rules() -> RouteRules {
        RouteRules::new(
            vec![
                rule(&["GET"], "/products/**", &["products.read"]),
                rule(&["POST", "put"], "/products", &["products.create"]),
                rule(&[], "/products/*/price", &["products.update"]),
                rule(&["*"], "/admin/**", &["organizations.update"]),
            ],
            ScopeSet::parse(["invoices.read"]).unwrap(),
        )
    }

    fn required(method: &str, uri: &str) -> Vec<&'static str> {
        rules().required(method, uri).names()
    }

    #[test]
    fn the_first_matching_rule_wins() {
        // Both the first rule (`GET /products/**`) and the third match.
        assert_eq!(required("GET", "/products/7/price"), ["products.read"]);
        assert_eq!(required("PATCH", "/products/7/price"), ["products.update"]);
    }

    #[test]
    fn methods_match_in_any_case_and_an_empty_list_or_star_matches_all() {
        assert_eq!(required("put", "/products"), ["products.create"]);
        assert_eq!(required("DELETE", "/admin/users"), ["organizations.update"]);
    }

    #[test]
    fn an_unmatched_request_requires_the_default() {
        assert_eq!(required("DELETE", "/products"), ["invoices.read"]);
        assert_eq!(required("GET", "/elsewhere"), ["invoices.read"]);
        assert!(RouteRules::default().required("GET", "/").is_empty());
    }

    #[test]
    fn a_star_is_one_segment_and_a_final_double_star_is_the_rest() {
        assert_eq!(required("PATCH", "/products/price"), ["invoices.read"]);
        assert_eq!(required("PATCH", "/products/1/2/price"), ["invoices.read"]);
        assert_eq!(required("GET", "/products"), ["products.read"]);
        assert_eq!(required("GET", "/products/a/b/c"), ["products.read"]);
    }

    #[test]
    fn the_query_is_ignored_and_the_path_is_normalized_before_matching() {
        assert_eq!(required("GET", "/products?id=1"), ["products.read"]);
        assert_eq!(required("POST", "//products/"), ["products.create"]);
        assert_eq!(required("POST", "/public/../products"), ["products.create"]);
        assert_eq!(required("DELETE", "/public/%2e%2e/admin/x"), ["organizations.update"]);
        assert_eq!(required("DELETE", "/%61dmin"), ["organizations.update"]);
        assert_eq!(required("POST", "http://api.example.com/products?x"), ["products.create"]);
    }

    #[test]
    fn bad_patterns_are_rejected_naming_the_problem() {
        assert_eq!(
            RouteRule::parse(["GET"], "products", ["products.read"]).unwrap_err(),
            RouteRuleError::NotAbsolute("products".into())
        );
        assert!(matches!(
            RouteRule::parse(["GET"], "/prod*", ["products.read"]).unwrap_err(),
            RouteRuleError::PartialWildcard { .. }
        ));
        assert_eq!(
            RouteRule::parse(["GET"], "/**/x", ["products.read"]).unwrap_err(),
            RouteRuleError::InnerRest("/**/x".into())
        );
        assert_eq!(
            RouteRule::parse(["GE T"], "/x", ["products.read"]).unwrap_err(),
            RouteRuleError::BadMethod("GE T".into())
        );
        assert_eq!(
            RouteRule::parse(["GET"], "/x", ["products.fly"]).unwrap_err(),
            RouteRuleError::UnknownScope(UnknownScope("products.fly".into()))
        );
    }

    #[test]
    fn a_rule_prints_as_its_methods_and_path() {
        assert_eq!(rule(&["get", "post"], "/a/*", &[]).to_string(), "GET,POST /a/*");
        assert_eq!(rule(&[], "/a", &[]).to_string(), "* /a");
        assert!(rule(&[], "/a", &["products.read"]).scopes().contains(Scope::ProductsRead));
    }
}
