use std::net::IpAddr;

use thiserror::Error;

use crate::{Actor, Environment, KeyKind, OrganizationId, Scope, ScopeSet};

/// The caller lacks a scope the operation needs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("this key lacks the `{missing}` scope")]
pub struct Forbidden {
    pub missing: Scope,
}

/// Who is calling: the key or access token that authenticated the request,
/// with what it may do and where it may do it, and the address it called
/// from, which the audit trail records with every change it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    pub organization_id: OrganizationId,
    pub environment: Environment,
    pub kind: KeyKind,
    pub scopes: ScopeSet,
    pub ip: Option<IpAddr>,
}

impl Principal {
    pub fn require(&self, scope: Scope) -> Result<(), Forbidden> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(Forbidden { missing: scope })
        }
    }

    /// The scopes in `wanted` that this principal may not grant, because it
    /// does not hold them itself (no privilege escalation).
    pub fn ungrantable(&self, wanted: &ScopeSet) -> Vec<Scope> {
        wanted.missing_from(&self.scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiKeyId;

    fn principal(scopes: &[&str]) -> Principal {
        Principal {
            actor: Actor::ApiKey(ApiKeyId::generate()),
            organization_id: OrganizationId::generate(),
            environment: Environment::Live,
            kind: KeyKind::Secret,
            scopes: ScopeSet::parse(scopes).unwrap(),
            ip: None,
        }
    }

    #[test]
    fn a_principal_without_the_scope_is_forbidden() {
        let p = principal(&["api_keys.read"]);
        assert_eq!(p.require(Scope::ApiKeysCreate), Err(Forbidden { missing: Scope::ApiKeysCreate }));
        assert!(p.require(Scope::ApiKeysRead).is_ok());
    }

    #[test]
    fn a_principal_cannot_grant_what_it_does_not_hold() {
        let p = principal(&["api_keys.create", "products.read"]);
        let wanted = ScopeSet::parse(["products.read", "products.delete"]).unwrap();
        assert_eq!(p.ungrantable(&wanted), vec![Scope::ProductsDelete]);
    }
}
