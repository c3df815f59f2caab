//! Point reads: get, batch_get and ttl, which never return an expired entry.

use std::collections::HashMap;

use kivigo_core::backend::wall_clock;
use kivigo_core::{KeyTtl, Operation, Result};

use crate::error::from_sled;
use crate::expiry;
use crate::store::Store;

/// Keys read under one shared hold of the gate, so that a writer waits at most this long.
pub(crate) const READS_PER_HOLD: usize = 128;

impl Store {
    /// The value of `key`, `None` when missing or expired.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let shared = self.shared()?;
        let value = if shared.expiring {
            shared.live_value(Operation::Get, key.as_bytes(), wall_clock::now())?
        } else {
            // Outside expiring mode this is exactly a raw sled read.
            shared
                .data
                .get(key)
                .map_err(|e| from_sled(Operation::Get, e))?
        };
        Ok(value.map(|value| value.to_vec()))
    }

    /// The values of the keys that exist and have not expired. A key named twice is read
    /// twice and stored once: cheaper than de-duplicating every batch first.
    pub fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        let mut found = HashMap::with_capacity(keys.len());
        let now = wall_clock::now();
        for run in keys.chunks(READS_PER_HOLD) {
            let shared = self.shared()?;
            for key in run {
                let value = if shared.expiring {
                    shared.live_value(Operation::BatchGet, key.as_bytes(), now)?
                } else {
                    shared
                        .data
                        .get(key)
                        .map_err(|e| from_sled(Operation::BatchGet, e))?
                };
                if let Some(value) = value {
                    found.insert(key.clone(), value.to_vec());
                }
            }
        }
        Ok(found)
    }

    /// Whether `key` is missing, persistent, or expires (and when).
    pub fn ttl(&self, key: &str) -> Result<KeyTtl> {
        let shared = self.shared()?;
        let exists = shared
            .data
            .contains_key(key)
            .map_err(|e| from_sled(Operation::Ttl, e))?;
        if !exists {
            return Ok(KeyTtl::Missing);
        }
        if !shared.expiring {
            return Ok(KeyTtl::Persistent);
        }
        let deadline = shared.deadline(Operation::Ttl, key.as_bytes())?;
        Ok(expiry::key_ttl(deadline, wall_clock::now()))
    }
}
