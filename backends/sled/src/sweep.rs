//! The sweeper's step: removes one chunk of expired entries from the three trees.

use std::sync::Weak;

use kivigo_core::backend::{SWEEP_CHUNK, Sweep, wall_clock};
use kivigo_core::{Operation, Result};

use crate::error::from_sled;
use crate::expiry::split_index_key;
use crate::store::Store;

/// One step of [`kivigo_core::backend::Sweeper`] for `store`. It holds the store weakly, so a
/// sweeper never keeps a database open: once the backend is closed or dropped the step ends
/// the thread.
pub(crate) fn step(store: Weak<Store>) -> kivigo_core::backend::SweepStep {
    Box::new(move || match store.upgrade() {
        // An error (a disk failure) is left for the next interval; reads hide expired entries
        // meanwhile.
        Some(store) => match store.sweep_chunk() {
            Ok(true) => Sweep::More,
            Ok(false) | Err(_) => Sweep::Done,
        },
        None => Sweep::Stop,
    })
}

impl Store {
    /// Removes up to [`SWEEP_CHUNK`] expired entries in one transaction; true when the chunk
    /// was full (more may be due).
    pub fn sweep_chunk(&self) -> Result<bool> {
        const OPERATION: Operation = Operation::Delete;
        let _exclusive = self.exclusive();
        let now = wall_clock::now();
        let mut due = Vec::new();
        for entry in self.index.iter().keys().take(SWEEP_CHUNK) {
            let entry = entry.map_err(|e| from_sled(OPERATION, e))?;
            match split_index_key(&entry) {
                Some((deadline, _)) if deadline > now => break,
                _ => due.push(entry),
            }
        }
        if due.is_empty() {
            self.settle();
            return Ok(false);
        }
        self.transaction(OPERATION, |trees| {
            for entry in &due {
                trees.index.remove(entry.as_ref())?;
                let Some((deadline, key)) = split_index_key(entry) else {
                    // Not an index entry kivigo wrote: drop it.
                    continue;
                };
                // The index and the expiry tree change together, so the deadlines agree;
                // checking costs one read and keeps a newer deadline safe if they ever did not.
                if trees.deadline(key)? == Some(deadline) {
                    trees.expiry.remove(key)?;
                    trees.data.remove(key)?;
                }
            }
            Ok(())
        })?;
        if due.len() < SWEEP_CHUNK {
            self.settle();
        }
        Ok(due.len() == SWEEP_CHUNK)
    }
}
