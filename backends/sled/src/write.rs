//! Writes: set, delete and the batch writes, each atomic with the expiry of its keys.
//!
//! Outside expiring mode (see [`crate::store`]) a write is the raw sled call: `insert`,
//! `remove`, one `apply_batch`. In expiring mode it is one transaction over the data and
//! expiry trees, so that a plain write also clears the key's earlier deadline.

use kivigo_core::{Entry, Error, Operation, Result, WriteOp};
use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use crate::error::{from_sled, from_transaction};
use crate::expiry::deadline_after;
use crate::store::Store;

impl Store {
    /// Stores `value` under `key`, expiring at `deadline` (`None`: persistent).
    pub fn set(&self, key: &str, value: &[u8], deadline: Option<u64>) -> Result<()> {
        let key = key.as_bytes();
        if deadline.is_none() {
            let shared = self.shared()?;
            if !shared.expiring {
                shared
                    .data
                    .insert(key, value)
                    .map_err(|e| from_sled(Operation::Set, e))?;
                return Ok(());
            }
        }
        let trees = self.exclusive_for(deadline.is_some())?;
        trees.transaction(Operation::Set, |tx| tx.put(key, value, deadline))
    }

    /// Removes `key`: whether it was live, and whether anything was removed at all.
    pub fn delete(&self, key: &str) -> Result<(bool, bool)> {
        let key = key.as_bytes();
        {
            let shared = self.shared()?;
            if !shared.expiring {
                let removed = shared
                    .data
                    .remove(key)
                    .map_err(|e| from_sled(Operation::Delete, e))?
                    .is_some();
                return Ok((removed, removed));
            }
        }
        let trees = self.exclusive()?;
        let removed = trees.transaction(Operation::Delete, |tx| tx.remove(key))?;
        Ok((removed == Some(true), removed.is_some()))
    }

    /// Stores every entry, all expiring at `deadline`; the last entry of a key wins.
    pub fn batch_set(&self, entries: &[Entry], deadline: Option<u64>) -> Result<()> {
        if deadline.is_none() {
            let shared = self.shared()?;
            if !shared.expiring {
                let mut batch = sled::Batch::default();
                for (key, value) in entries {
                    batch.insert(key.as_bytes(), value.as_slice());
                }
                return shared
                    .data
                    .apply_batch(batch)
                    .map_err(|e| from_sled(Operation::BatchSet, e));
            }
        }
        let trees = self.exclusive_for(deadline.is_some())?;
        trees.transaction(Operation::BatchSet, |tx| {
            for (key, value) in entries {
                tx.put(key.as_bytes(), value, deadline)?;
            }
            Ok(())
        })
    }

    /// Removes every key: how many were live (a key named twice counts once), and whether
    /// anything was removed at all.
    pub fn batch_delete(&self, keys: &[String]) -> Result<(u64, bool)> {
        {
            let shared = self.shared()?;
            if !shared.expiring {
                // A transaction, not a batch, so that the count is exact: inside it a key
                // removed once reads as absent the second time.
                let existed = shared
                    .data
                    .transaction(
                        |data: &TransactionalTree| -> ConflictableTransactionResult<u64, Error> {
                            let mut existed = 0;
                            for key in keys {
                                if data.remove(key.as_bytes())?.is_some() {
                                    existed += 1;
                                }
                            }
                            Ok(existed)
                        },
                    )
                    .map_err(|e| from_transaction(Operation::BatchDelete, e))?;
                return Ok((existed, existed > 0));
            }
        }
        let trees = self.exclusive()?;
        trees.transaction(Operation::BatchDelete, |tx| {
            let (mut live, mut removed) = (0, false);
            for key in keys {
                match tx.remove(key.as_bytes())? {
                    Some(true) => (live, removed) = (live + 1, true),
                    Some(false) => removed = true,
                    None => {}
                }
            }
            Ok((live, removed))
        })
    }

    /// Applies puts and deletes in order, all or nothing; the last operation on a key wins.
    pub fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        let with_ttl = ops.iter().any(|op| op.ttl().is_some());
        if !with_ttl {
            let shared = self.shared()?;
            if !shared.expiring {
                let mut batch = sled::Batch::default();
                for op in ops {
                    match op {
                        WriteOp::Put { key, value, .. } => {
                            batch.insert(key.as_bytes(), value.as_slice())
                        }
                        WriteOp::Delete { key } => batch.remove(key.as_bytes()),
                    }
                }
                return shared
                    .data
                    .apply_batch(batch)
                    .map_err(|e| from_sled(Operation::BatchWrite, e));
            }
        }
        // One deadline per put, all taken before the transaction (which may run twice).
        let deadlines: Vec<Option<u64>> = ops.iter().map(|op| deadline_after(op.ttl())).collect();
        let trees = self.exclusive_for(with_ttl)?;
        trees.transaction(Operation::BatchWrite, |tx| {
            for (op, deadline) in ops.iter().zip(&deadlines) {
                match op {
                    WriteOp::Put { key, value, .. } => tx.put(key.as_bytes(), value, *deadline)?,
                    WriteOp::Delete { key } => {
                        tx.remove(key.as_bytes())?;
                    }
                }
            }
            Ok(())
        })
    }
}
