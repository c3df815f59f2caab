//! The sweeper's step: removes one chunk of expired entries from the three trees.

use std::sync::Weak;

use kivigo_core::backend::{SWEEP_CHUNK, Sweep, SweepStep, wall_clock};
use kivigo_core::{Error, Operation, Result};

use crate::error::from_sled;
use crate::expiry::split_index_key;
use crate::store::Store;

/// One step of [`kivigo_core::backend::Sweeper`] for `store`. It holds the store weakly and
/// ends the thread once the store is closed or dropped, so a sweeper never keeps a database
/// open.
pub(crate) fn step(store: Weak<Store>) -> SweepStep {
    Box::new(move || {
        let Some(store) = store.upgrade() else {
            return Sweep::Stop;
        };
        match store.sweep_chunk() {
            Ok(true) => Sweep::More,
            Err(Error::Closed { .. }) => Sweep::Stop,
            // An error (a disk failure) is left for the next interval; reads hide expired
            // entries meanwhile.
            Ok(false) | Err(_) => Sweep::Done,
        }
    })
}

impl Store {
    /// Removes up to [`SWEEP_CHUNK`] expired entries in one transaction; true when the chunk
    /// was full (more may be due).
    pub fn sweep_chunk(&self) -> Result<bool> {
        // There is no operation for a sweep: it deletes.
        const OPERATION: Operation = Operation::Delete;
        let trees = self.exclusive()?;
        let now = wall_clock::now();
        let mut due = Vec::new();
        for entry in trees.index.iter().keys().take(SWEEP_CHUNK) {
            let entry = entry.map_err(|e| from_sled(OPERATION, e))?;
            match split_index_key(&entry) {
                Some((deadline, _)) if deadline > now => break,
                _ => due.push(entry),
            }
        }
        if !due.is_empty() {
            trees.transaction(OPERATION, |tx| {
                for entry in &due {
                    tx.index.remove(entry.as_ref())?;
                    let Some((deadline, key)) = split_index_key(entry) else {
                        // Not an index entry kivigo wrote: drop it.
                        continue;
                    };
                    // The index and the expiry tree change together, so the deadlines agree;
                    // checking costs one read and keeps a newer deadline safe if they did not.
                    if tx.deadline(key)? == Some(deadline) {
                        tx.expiry.remove(key)?;
                        tx.data.remove(key)?;
                    }
                }
                Ok(())
            })?;
        }
        let full = due.len() == SWEEP_CHUNK;
        if !full {
            self.settle(&trees);
        }
        Ok(full)
    }
}
