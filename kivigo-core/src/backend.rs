//! The `Backend` trait: the small, byte-level contract every store implements.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;

use async_trait::async_trait;

use crate::{Capabilities, Result, validate};

/// One entry of a batch write: a key and its value bytes.
pub type Entry = (String, Vec<u8>);

/// A key-value store, seen as bytes.
///
/// Keys are non-empty UTF-8 strings, values are any bytes (empty allowed). The trait is
/// object-safe: applications hold an `Arc<dyn Backend>`, usually inside a [`crate::Client`].
/// The contract each method must meet is checked by the conformance suite
/// (`kivigo-core` feature `conformance`); the table is in the "Core concepts" chapter of the docs.
///
/// The batch methods have default bodies that loop over the single-key methods, so a new backend
/// works as soon as the single-key methods do. Every backend shipped with kivigo overrides them
/// with its store's native mechanism.
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// What this backend can do and its limits.
    fn capabilities(&self) -> &Capabilities;

    /// The value of `key`, or `None` when it is absent (never an error).
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key`, replacing any earlier value.
    async fn set(&self, key: &str, value: &[u8]) -> Result<()>;

    /// Removes `key`; returns whether it existed. Deleting a missing key is `Ok(false)`.
    async fn delete(&self, key: &str) -> Result<bool>;

    /// Every key that starts with `prefix`, sorted ascending by bytes, without duplicates.
    ///
    /// The prefix is literal (`%`, `_`, `*`, `?`, `[` ... match only themselves) and
    /// case-sensitive; `""` lists every key. A backend that cannot enumerate keys returns
    /// [`crate::Error::Unsupported`].
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;

    /// The values of the keys that exist; missing keys are absent from the map. Duplicated keys
    /// are fine, and an empty slice returns an empty map without touching the store.
    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(self.capabilities(), keys)?;
        let mut found = HashMap::with_capacity(keys.len());
        for key in unique(keys) {
            if let Some(value) = self.get(key).await? {
                found.insert(key.clone(), value);
            }
        }
        Ok(found)
    }

    /// Stores every entry. When a key appears twice, the last entry wins. An empty slice does
    /// nothing. See [`Capabilities::atomic_batch`] for what happens when a batch fails halfway.
    async fn batch_set(&self, entries: &[Entry]) -> Result<()> {
        validate::check_entries(self.capabilities(), entries)?;
        for (key, value) in entries {
            self.set(key, value).await?;
        }
        Ok(())
    }

    /// Removes every key; returns how many of them existed. Missing keys are not errors and a
    /// key named twice counts once. An empty slice returns `Ok(0)` without touching the store.
    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(self.capabilities(), keys)?;
        let mut existed = 0;
        for key in unique(keys) {
            if self.delete(key).await? {
                existed += 1;
            }
        }
        Ok(existed)
    }

    /// One real round trip to the store (PING, `SELECT 1`, a read of the tree...).
    async fn health(&self) -> Result<()>;

    /// Releases the connection or files. Idempotent; every later call returns
    /// [`crate::Error::Closed`].
    async fn close(&self) -> Result<()>;
}

/// The distinct keys of a batch, in first-seen order.
pub fn unique(keys: &[String]) -> impl Iterator<Item = &String> {
    let mut seen = HashSet::with_capacity(keys.len());
    keys.iter().filter(move |key| seen.insert(key.as_str()))
}

/// The entries of a batch write with earlier duplicates removed, so that the last write for each
/// key is the one kept. Order of first appearance is kept.
pub fn last_write_wins(entries: &[Entry]) -> Vec<&Entry> {
    let mut last = HashMap::with_capacity(entries.len());
    for (index, (key, _)) in entries.iter().enumerate() {
        last.insert(key.as_str(), index);
    }
    entries
        .iter()
        .enumerate()
        .filter(|(index, (key, _))| last.get(key.as_str()) == Some(index))
        .map(|(_, entry)| entry)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keeps_first_seen_order() {
        let keys: Vec<String> = ["b", "a", "b", "c", "a"].map(String::from).to_vec();
        let got: Vec<&str> = unique(&keys).map(String::as_str).collect();
        assert_eq!(got, ["b", "a", "c"]);
    }

    #[test]
    fn last_write_wins_keeps_the_last_value() {
        let entries: Vec<Entry> = vec![
            ("a".into(), b"1".to_vec()),
            ("b".into(), b"2".to_vec()),
            ("a".into(), b"3".to_vec()),
        ];
        let kept = last_write_wins(&entries);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0], &("b".to_string(), b"2".to_vec()));
        assert_eq!(kept[1], &("a".to_string(), b"3".to_vec()));
    }
}
