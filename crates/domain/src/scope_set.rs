use std::collections::BTreeSet;

use crate::scope::{Scope, UnknownScope};

/// The scopes a key holds. Ordered and free of duplicates, so two sets that
/// grant the same thing compare and serialize the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every scope in the catalogue: what a bootstrap (root) key holds.
    pub fn all() -> Self {
        Self(Scope::ALL.iter().copied().collect())
    }

    /// Parses wire names; the first unknown name is reported.
    pub fn parse<I, S>(names: I) -> Result<Self, UnknownScope>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        names.into_iter().map(|name| name.as_ref().parse::<Scope>()).collect::<Result<BTreeSet<_>, _>>().map(Self)
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The scopes of `self` that `holder` does not hold, in order: empty when
    /// `holder` may grant all of `self`.
    pub fn missing_from(&self, holder: &ScopeSet) -> Vec<Scope> {
        self.0.difference(&holder.0).copied().collect()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<T: IntoIterator<Item = Scope>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_collapse_and_order_is_canonical() {
        let set = ScopeSet::parse(["products.read", "invoices.create", "products.read"]).unwrap();
        assert_eq!(set.names(), vec!["invoices.create", "products.read"]);
    }

    #[test]
    fn missing_from_lists_what_the_holder_lacks() {
        let wanted = ScopeSet::parse(["products.read", "invoices.create"]).unwrap();
        let holder = ScopeSet::parse(["products.read"]).unwrap();
        assert_eq!(wanted.missing_from(&holder), vec![Scope::InvoicesCreate]);
        assert!(wanted.missing_from(&ScopeSet::all()).is_empty());
    }

    #[test]
    fn parsing_stops_at_the_unknown_name() {
        let err = ScopeSet::parse(["products.read", "bogus"]).unwrap_err();
        assert_eq!(err, UnknownScope("bogus".into()));
    }
}
