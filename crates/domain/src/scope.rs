use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A scope name that is not in Sesame's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown scope `{0}`")]
pub struct UnknownScope(pub String);

macro_rules! scopes {
    ($($variant:ident => $wire:literal),+ $(,)?) => {
        /// One permission a key can hold, named `resource.action` on the wire.
        ///
        /// The catalogue is closed: an unknown name is a validation error that
        /// names it, never silently dropped.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scope {
            $($variant),+
        }

        impl Scope {
            /// Every scope, in catalogue order.
            pub const ALL: &'static [Scope] = &[$(Scope::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Scope::$variant => $wire),+
                }
            }
        }

        impl FromStr for Scope {
            type Err = UnknownScope;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok(Scope::$variant),)+
                    other => Err(UnknownScope(other.to_owned())),
                }
            }
        }
    };
}

scopes! {
    InvoicesCreate => "invoices.create",
    InvoicesUpdate => "invoices.update",
    InvoicesRead => "invoices.read",
    PaymentsCreate => "payments.create",
    PaymentsUpdate => "payments.update",
    PaymentsRead => "payments.read",
    ProductsCreate => "products.create",
    ProductsRead => "products.read",
    ProductsUpdate => "products.update",
    ProductsDelete => "products.delete",
    ApiKeysCreate => "api_keys.create",
    ApiKeysUpdate => "api_keys.update",
    ApiKeysDelete => "api_keys.delete",
    ApiKeysRead => "api_keys.read",
    WebhooksCreate => "webhooks.create",
    WebhooksRead => "webhooks.read",
    WebhooksUpdate => "webhooks.update",
    WebhooksDelete => "webhooks.delete",
    WebhooksQueueRead => "webhooks_queue.read",
    WebhooksQueueUpdate => "webhooks_queue.update",
    NotificationsRead => "notifications.read",
    NotificationsUpdate => "notifications.update",
    NotificationsSettingsRead => "notifications_settings.read",
    NotificationsSettingsUpdate => "notifications_settings.update",
    OrganizationsCreate => "organizations.create",
    OrganizationsRead => "organizations.read",
    OrganizationsUpdate => "organizations.update",
    OrganizationsDeactivate => "organizations.deactivate",
    UsersUpdate => "users.update",
    UsersDeactivate => "users.deactivate",
    UsersSessionsRead => "users.sessions.read",
    UsersSessionsDeactivate => "users.sessions.deactivate",
}

impl Scope {
    /// The resource part of the name: `users.sessions` for `users.sessions.read`.
    pub fn resource(self) -> &'static str {
        let name = self.as_str();
        name.rsplit_once('.').map_or(name, |(resource, _)| resource)
    }

    /// The action part of the name: `read` for `users.sessions.read`.
    pub fn action(self) -> &'static str {
        let name = self.as_str();
        name.rsplit_once('.').map_or(name, |(_, action)| action)
    }

    /// Whether this scope only reads. Coarse permission styles (`read` versus
    /// `read-write`) are expressed as "every read-only scope" or "every scope".
    pub fn is_read_only(self) -> bool {
        self.action() == "read"
    }

    /// Scopes that manage credentials or tenants. A publishable key, which is
    /// meant to be embedded in a client, may never hold one.
    pub fn is_management(self) -> bool {
        matches!(self.resource(), "api_keys" | "organizations")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_the_32_documented_scopes() {
        assert_eq!(Scope::ALL.len(), 32);
    }

    #[test]
    fn every_scope_round_trips_through_its_wire_name() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>().unwrap(), *scope);
        }
    }

    #[test]
    fn an_unknown_scope_is_named_in_the_error() {
        let err = "invoices.destroy".parse::<Scope>().unwrap_err();
        assert_eq!(err.to_string(), "unknown scope `invoices.destroy`");
    }

    #[test]
    fn a_nested_resource_splits_on_the_last_dot() {
        assert_eq!(Scope::UsersSessionsRead.resource(), "users.sessions");
        assert_eq!(Scope::UsersSessionsRead.action(), "read");
        assert!(Scope::UsersSessionsRead.is_read_only());
        assert!(!Scope::UsersSessionsDeactivate.is_read_only());
    }
}
