use crate::{ApiKeyId, OrganizationId};

/// What another instance must forget from its verified-key cache after a
/// change made here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    /// Every token of the key: revoked, rotated or updated.
    Key(ApiKeyId),
    /// Every token of every key of the organization: deactivated.
    Organization(OrganizationId),
}

/// Tells the other instances sharing the database what to drop from their
/// caches. Outbound: the verified-key cache calls it after each local
/// invalidation.
///
/// `publish` hands the message off and returns at once: it runs on the
/// request path, after the change has been committed, and a change that is
/// committed is never undone because telling the others failed. An
/// implementation retries for a while and then logs the loss; the receiving
/// side covers a lost message by clearing its cache on every (re)connect and
/// limiting the age of what it serves while disconnected.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait InvalidationPublisher: Send + Sync {
    fn publish(&self, invalidation: Invalidation);
}

/// What an instance's listener reports to its cache. Inbound: implemented
/// by the application, driven by the adapter that listens.
#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait InvalidationSubscriber: Send + Sync {
    /// Another instance changed something; forget what it names.
    fn received(&self, invalidation: Invalidation);
    /// Listening (again): messages sent while not listening are lost, so
    /// everything cached before this call is suspect.
    fn connected(&self);
    /// No longer listening: messages may be missed until `connected`.
    fn disconnected(&self);
}
