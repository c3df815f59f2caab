//! The open database: the data tree, the two expiry trees, and the gate that keeps reads of
//! a value and its deadline consistent.
//!
//! While the database holds no expiring key (always, for a database written by kivigo 0.1
//! that never used a TTL) every operation works on the data tree alone, exactly as raw sled
//! would. The first write with a TTL switches the store to *expiring* mode, in which every
//! write that can change a deadline runs in one transaction over the three trees, and reads
//! check the deadline of what they return. The sweeper switches back when the expiry tree is
//! empty again.
//!
//! The gate is a reader-writer lock: single-tree work (every operation outside expiring mode,
//! and reads in it) holds it shared; the switch and every transaction over the expiry trees
//! hold it exclusively. So a plain write can never slip past the switch and leave a deadline
//! behind, and a read never sees a value from before a transaction and a deadline from after
//! it. sled already serialises its transactions behind one lock, so the exclusive side costs
//! no concurrency that sled allowed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use kivigo_core::backend::wall_clock;
use kivigo_core::{Error, Operation, Result};
use sled::transaction::{ConflictableTransactionError, Transactional};
use sled::{IVec, Tree};

use crate::config::RESERVED_TREE_PREFIX;
use crate::error::{from_sled, from_transaction};
use crate::expiry::{self, TxResult, TxTrees};

/// The trees of one kivigo keyspace in a sled database.
pub(crate) struct Store {
    /// The database, for flushes, health and close.
    pub db: sled::Db,
    /// Keys and their values, byte for byte as kivigo 0.1 stored them.
    pub data: Tree,
    /// `key → deadline` for the keys that expire.
    pub expiry: Tree,
    /// `deadline ++ key → ()`, the same deadlines in the order they pass.
    pub index: Tree,
    gate: RwLock<()>,
    /// Whether the expiry trees may hold anything; changed only with the gate held exclusively.
    expiring: AtomicBool,
}

/// A shared hold on the gate, with the mode it was taken in.
pub(crate) struct Shared<'s> {
    _guard: RwLockReadGuard<'s, ()>,
    /// Whether deadlines must be checked (and writes go through a transaction).
    pub expiring: bool,
}

impl Store {
    /// Opens the data tree (`None`: the default tree) and its expiry trees in `db`.
    pub fn open(db: sled::Db, tree: Option<&str>) -> sled::Result<Self> {
        let data = match tree {
            Some(name) => db.open_tree(name)?,
            None => (*db).clone(),
        };
        let expiry = db.open_tree(companion_name("expiry", &data.name()))?;
        let index = db.open_tree(companion_name("deadlines", &data.name()))?;
        let expiring = AtomicBool::new(!expiry.is_empty());
        Ok(Self {
            db,
            data,
            expiry,
            index,
            gate: RwLock::new(()),
            expiring,
        })
    }

    /// Whether the store is in expiring mode (for a hint only: decide under the gate).
    pub fn is_expiring(&self) -> bool {
        self.expiring.load(Ordering::SeqCst)
    }

    /// Holds the gate shared.
    pub fn shared(&self) -> Shared<'_> {
        let guard = self.gate.read().unwrap_or_else(|p| p.into_inner());
        Shared {
            expiring: self.is_expiring(),
            _guard: guard,
        }
    }

    /// Holds the gate exclusively, for a transaction over the three trees.
    pub fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds the gate exclusively and switches to expiring mode, for a write with a TTL.
    pub fn exclusive_expiring(&self) -> RwLockWriteGuard<'_, ()> {
        let guard = self.exclusive();
        self.expiring.store(true, Ordering::SeqCst);
        guard
    }

    /// Leaves expiring mode if no key expires any more. Call with the gate held exclusively.
    pub fn settle(&self) {
        if self.expiry.is_empty() {
            self.expiring.store(false, Ordering::SeqCst);
        }
    }

    /// Runs `work` in one transaction over the three trees. Call with the gate held
    /// exclusively (see [`Store::exclusive`]).
    pub fn transaction<T>(
        &self,
        operation: Operation,
        work: impl Fn(&TxTrees<'_>) -> TxResult<T>,
    ) -> Result<T> {
        let now = wall_clock::now();
        (&self.data, &self.expiry, &self.index)
            .transaction(|(data, expiry, index)| {
                work(&TxTrees {
                    data,
                    expiry,
                    index,
                    operation,
                    now,
                })
            })
            .map_err(|err| from_transaction(operation, err))
    }

    /// The deadline of `key` outside a transaction (hold the gate shared).
    pub fn deadline(&self, operation: Operation, key: &[u8]) -> Result<Option<u64>> {
        match self.expiry.get(key).map_err(|e| from_sled(operation, e))? {
            Some(bytes) => expiry::decode(operation, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The value of `key` unless it is missing or expired (hold the gate shared, in the mode
    /// `shared` says).
    pub fn live_value(
        &self,
        shared: &Shared<'_>,
        operation: Operation,
        key: &[u8],
        now: u64,
    ) -> Result<Option<IVec>> {
        let value = self.data.get(key).map_err(|e| from_sled(operation, e))?;
        if value.is_some()
            && shared.expiring
            && expiry::is_expired(self.deadline(operation, key)?, now)
        {
            return Ok(None);
        }
        Ok(value)
    }
}

/// Aborts a transaction with a kivigo error.
pub(crate) fn abort(err: Error) -> ConflictableTransactionError<Error> {
    ConflictableTransactionError::Abort(err)
}

/// The name of one of the trees kept beside the data tree `data` (sled names its default tree
/// `__sled__default`, so every data tree gets its own pair).
fn companion_name(kind: &str, data: &[u8]) -> Vec<u8> {
    let mut name = format!("{RESERVED_TREE_PREFIX}_{kind}:").into_bytes();
    name.extend_from_slice(data);
    name
}
