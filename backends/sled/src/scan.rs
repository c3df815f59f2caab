//! Listing and cursor scans over the data tree, in key order, skipping expired keys.

use std::ops::Bound;

use kivigo_core::backend::wall_clock;
use kivigo_core::{Operation, Result, ScanPage};

use crate::error::{foreign_key, from_sled};
use crate::expiry;
use crate::read::READS_PER_HOLD;
use crate::store::Store;

impl Store {
    /// Every live key starting with `prefix`, sorted by bytes.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let keys = self.shared()?.data.scan_prefix(prefix).keys();
        let (keys, _) = self.live_keys(Operation::List, keys, prefix, usize::MAX)?;
        Ok(keys)
    }

    /// One page of at most `limit` live keys starting with `prefix`, after `cursor`.
    ///
    /// The cursor is the last key of the previous page: sled iterates in key order, so the
    /// next page starts right after it, and it means the same thing in another process.
    pub fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        let start = match cursor {
            Some(cursor) if cursor >= prefix => Bound::Excluded(cursor.as_bytes()),
            _ => Bound::Included(prefix.as_bytes()),
        };
        let keys = self
            .shared()?
            .data
            .range::<&[u8], _>((start, Bound::Unbounded))
            .keys();
        let (keys, more) = self.live_keys(Operation::Scan, keys, prefix, limit)?;
        let next = if more { keys.last().cloned() } else { None };
        Ok(ScanPage::new(keys, next))
    }

    /// Up to `limit` live keys from `keys` while they start with `prefix`, and whether another
    /// live key follows. The gate is held shared for [`READS_PER_HOLD`] keys at a time, so
    /// that each key and its deadline are read together without blocking writers for long.
    fn live_keys(
        &self,
        operation: Operation,
        mut keys: impl Iterator<Item = sled::Result<sled::IVec>>,
        prefix: &str,
        limit: usize,
    ) -> Result<(Vec<String>, bool)> {
        let mut found = Vec::with_capacity(limit.min(1024));
        loop {
            let shared = self.shared()?;
            let now = wall_clock::now();
            for _ in 0..READS_PER_HOLD {
                let Some(key) = keys.next() else {
                    return Ok((found, false));
                };
                let key = key.map_err(|e| from_sled(operation, e))?;
                if !key.starts_with(prefix.as_bytes()) {
                    return Ok((found, false));
                }
                if shared.expiring && expiry::is_expired(shared.deadline(operation, &key)?, now) {
                    continue;
                }
                if found.len() == limit {
                    return Ok((found, true));
                }
                let text =
                    String::from_utf8(key.to_vec()).map_err(|_| foreign_key(operation, &key))?;
                found.push(text);
            }
        }
    }
}
