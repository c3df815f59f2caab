//! What a batch write is made of: entries (key and value) and mixed put/delete operations.

use std::time::Duration;

/// One entry of a batch write: a key and its value bytes.
pub type Entry = (String, Vec<u8>);

/// One operation of a [`batch_write`](crate::Backend::batch_write): a put (with an optional
/// time-to-live) or a delete.
///
/// A rename is a put of the new key and a delete of the old one in the same batch; when a key
/// appears in several operations of one batch, the last one wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Store `value` under `key`; with `ttl`, the key expires after that time, without it the
    /// key is persistent (an earlier TTL is cleared, as with a plain `set`).
    Put {
        /// The key to write.
        key: String,
        /// The value bytes.
        value: Vec<u8>,
        /// Time-to-live of the entry, `None` for a persistent one.
        ttl: Option<Duration>,
    },
    /// Remove `key` (a missing key is fine).
    Delete {
        /// The key to remove.
        key: String,
    },
}

impl WriteOp {
    /// A persistent put.
    pub fn put(key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        WriteOp::Put {
            key: key.into(),
            value: value.into(),
            ttl: None,
        }
    }

    /// A put that expires after `ttl`.
    pub fn put_with_ttl(key: impl Into<String>, value: impl Into<Vec<u8>>, ttl: Duration) -> Self {
        WriteOp::Put {
            key: key.into(),
            value: value.into(),
            ttl: Some(ttl),
        }
    }

    /// A delete.
    pub fn delete(key: impl Into<String>) -> Self {
        WriteOp::Delete { key: key.into() }
    }

    /// The key this operation writes or removes.
    pub fn key(&self) -> &str {
        match self {
            WriteOp::Put { key, .. } | WriteOp::Delete { key } => key,
        }
    }

    /// The value of a put, `None` for a delete.
    pub fn value(&self) -> Option<&[u8]> {
        match self {
            WriteOp::Put { value, .. } => Some(value),
            WriteOp::Delete { .. } => None,
        }
    }

    /// The time-to-live of a put, `None` for a persistent put or a delete.
    pub fn ttl(&self) -> Option<Duration> {
        match self {
            WriteOp::Put { ttl, .. } => *ttl,
            WriteOp::Delete { .. } => None,
        }
    }

    /// The same operation on another key (used by key-transforming layers).
    pub fn with_key(&self, key: String) -> Self {
        match self {
            WriteOp::Put { value, ttl, .. } => WriteOp::Put {
                key,
                value: value.clone(),
                ttl: *ttl,
            },
            WriteOp::Delete { .. } => WriteOp::Delete { key },
        }
    }
}
