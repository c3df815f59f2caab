//! Read-modify-write operations, each atomic against every other writer.
//!
//! `expire`, `set_if_absent`, `compare_and_swap` and `increment`.
//!
//! Outside expiring mode they use sled's own atomic operations on the data tree
//! (`compare_and_swap`, a one-tree transaction); in expiring mode, one transaction over the
//! three trees, where an expired key counts as absent.

use kivigo_core::backend::counter;
use kivigo_core::{Error, Operation, Result};
use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use crate::error::{from_sled, from_transaction};
use crate::store::{Store, abort};

impl Store {
    /// Gives a live key the deadline `deadline` (`None`: persistent): whether it existed, and
    /// whether anything was written.
    pub fn expire(&self, key: &str, deadline: Option<u64>) -> Result<(bool, bool)> {
        let key = key.as_bytes();
        if deadline.is_none() {
            let shared = self.shared()?;
            if !shared.expiring {
                // Nothing expires: every key is already persistent.
                let exists = shared
                    .data
                    .contains_key(key)
                    .map_err(|e| from_sled(Operation::Expire, e))?;
                return Ok((exists, false));
            }
        }
        let trees = self.exclusive_for(deadline.is_some())?;
        trees.transaction(Operation::Expire, |tx| {
            if tx.live(key)?.is_some() {
                tx.set_deadline(key, deadline)?;
                Ok((true, true))
            } else {
                // An expired entry is dropped on the way, as the memory backend does.
                let removed = tx.remove(key)?;
                Ok((false, removed.is_some()))
            }
        })
    }

    /// Stores `value` under `key`, expiring at `deadline`, unless a live value is there.
    pub fn set_if_absent(&self, key: &str, value: &[u8], deadline: Option<u64>) -> Result<bool> {
        let key = key.as_bytes();
        if deadline.is_none() {
            let shared = self.shared()?;
            if !shared.expiring {
                return shared
                    .data
                    .compare_and_swap(key, None::<&[u8]>, Some(value))
                    .map(|swapped| swapped.is_ok())
                    .map_err(|e| from_sled(Operation::SetIfAbsent, e));
            }
        }
        let trees = self.exclusive_for(deadline.is_some())?;
        trees.transaction(Operation::SetIfAbsent, |tx| {
            if tx.live(key)?.is_some() {
                return Ok(false);
            }
            tx.put(key, value, deadline)?;
            Ok(true)
        })
    }

    /// Replaces the live value of `key` by `new` (persistent; `None` deletes) if it is
    /// `expected` (`None`: absent or expired).
    pub fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        let key = key.as_bytes();
        {
            let shared = self.shared()?;
            if !shared.expiring {
                return shared
                    .data
                    .compare_and_swap(key, expected, new)
                    .map(|swapped| swapped.is_ok())
                    .map_err(|e| from_sled(Operation::CompareAndSwap, e));
            }
        }
        let trees = self.exclusive()?;
        trees.transaction(Operation::CompareAndSwap, |tx| {
            let current = tx.live(key)?;
            if current.as_ref().map(|(value, _)| value.as_ref()) != expected {
                return Ok(false);
            }
            match new {
                Some(value) => tx.put(key, value, None)?,
                None => {
                    tx.remove(key)?;
                }
            }
            Ok(true)
        })
    }

    /// Adds `delta` to the counter at `key` (missing or expired: 0), keeping a live key's
    /// deadline; a value that is not a counter, or an overflow, changes nothing.
    pub fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        let name = key;
        let key = key.as_bytes();
        {
            let shared = self.shared()?;
            if !shared.expiring {
                return shared
                    .data
                    .transaction(
                        |data: &TransactionalTree| -> ConflictableTransactionResult<i64, Error> {
                            let current = data.get(key)?;
                            let (value, bytes) =
                                counter::next(name, current.as_deref(), delta).map_err(abort)?;
                            data.insert(key, bytes)?;
                            Ok(value)
                        },
                    )
                    .map_err(|e| from_transaction(Operation::Increment, e));
            }
        }
        let trees = self.exclusive()?;
        trees.transaction(Operation::Increment, |tx| {
            let current = tx.live(key)?;
            let (value, bytes) = counter::next(
                name,
                current.as_ref().map(|(value, _)| value.as_ref()),
                delta,
            )
            .map_err(abort)?;
            // A live key keeps its deadline; a missing or expired one starts persistent.
            let deadline = current.and_then(|(_, deadline)| deadline);
            tx.put(key, &bytes, deadline)?;
            Ok(value)
        })
    }
}
