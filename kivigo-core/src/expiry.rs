//! What a store says about a key's time-to-live.

use std::time::Duration;

/// The time-to-live of one key, as [`ttl`](crate::Backend::ttl) reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyTtl {
    /// The key does not exist (or has expired).
    Missing,
    /// The key exists and never expires.
    Persistent,
    /// The key exists and expires after this much more time. It is never more than the TTL that
    /// was set.
    Remaining(Duration),
}

impl KeyTtl {
    /// Whether the key exists.
    pub fn exists(self) -> bool {
        !matches!(self, KeyTtl::Missing)
    }

    /// The remaining time, when the key expires.
    pub fn remaining(self) -> Option<Duration> {
        match self {
            KeyTtl::Remaining(left) => Some(left),
            _ => None,
        }
    }
}
