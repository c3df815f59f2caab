//! The open database behind one gate, the lock that keeps values and deadlines consistent.
//!
//! The gate guards the data tree and the two expiry trees, and makes `close` final.
//!
//! While the database holds no expiring key (always, for a database written by kivigo 0.1
//! that never used a TTL) every operation works on the data tree alone, exactly as raw sled
//! would. The first write with a TTL switches the store to *expiring* mode, in which every
//! write that can change a deadline runs in one transaction over the three trees, and reads
//! check the deadline of what they return. The sweeper switches back once the expiry tree is
//! empty again.
//!
//! The gate is a reader-writer lock around the trees. Single-tree work (every operation
//! outside expiring mode, and reads in it) holds it shared; the switch and every transaction
//! over the expiry trees hold it exclusively. So a plain write can never slip past the switch
//! and leave a deadline behind, and a read never sees a value from before a transaction and a
//! deadline from after it. sled already serialises its transactions behind one lock of its
//! own, so the exclusive side costs no concurrency that sled allowed. `close` takes the trees
//! out under the exclusive hold: every later call is `Closed`, and the database is released.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use kivigo_core::backend::wall_clock;
use kivigo_core::{Error, Operation, Result};
use sled::transaction::{ConflictableTransactionError, Transactional};
use sled::{IVec, Tree};

use crate::config::RESERVED_TREE_PREFIX;
use crate::error::{BACKEND, from_sled, from_transaction};
use crate::expiry::{self, TxResult, TxTrees};

/// The trees of one kivigo keyspace in a sled database.
pub(crate) struct Trees {
    /// The database, for flushes and health.
    pub db: sled::Db,
    /// Keys and their values, byte for byte as kivigo 0.1 stored them.
    pub data: Tree,
    /// `key → deadline` for the keys that expire.
    pub expiry: Tree,
    /// `deadline ++ key → ()`, the same deadlines in the order they pass.
    pub index: Tree,
}

/// The trees behind the gate, and the mode.
pub(crate) struct Store {
    gate: RwLock<Option<Trees>>,
    /// Whether the expiry trees may hold anything; changed only with the gate held exclusively.
    expiring: AtomicBool,
}

/// A shared hold on the gate of an open store, with the mode it was taken in.
pub(crate) struct Shared<'s> {
    guard: RwLockReadGuard<'s, Option<Trees>>,
    /// Whether deadlines must be checked (and writes go through a transaction).
    pub expiring: bool,
}

/// An exclusive hold on the gate of an open store.
pub(crate) struct Exclusive<'s> {
    guard: RwLockWriteGuard<'s, Option<Trees>>,
}

impl Trees {
    /// Opens the data tree (`None`: the default tree) and its expiry trees in `db`.
    pub fn open(db: sled::Db, tree: Option<&str>) -> sled::Result<Self> {
        let data = match tree {
            Some(name) => db.open_tree(name)?,
            None => (*db).clone(),
        };
        let expiry = db.open_tree(companion_name("expiry", &data.name()))?;
        let index = db.open_tree(companion_name("deadlines", &data.name()))?;
        Ok(Self {
            db,
            data,
            expiry,
            index,
        })
    }

    /// Runs `work` in one transaction over the three trees. Call it with the gate held
    /// exclusively.
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

    /// The deadline of `key` outside a transaction.
    pub fn deadline(&self, operation: Operation, key: &[u8]) -> Result<Option<u64>> {
        match self.expiry.get(key).map_err(|e| from_sled(operation, e))? {
            Some(bytes) => expiry::decode(operation, key, &bytes).map(Some),
            None => Ok(None),
        }
    }
}

impl Store {
    /// A store over freshly opened trees.
    pub fn new(trees: Trees) -> Self {
        Self {
            expiring: AtomicBool::new(!trees.expiry.is_empty()),
            gate: RwLock::new(Some(trees)),
        }
    }

    /// Whether the store is in expiring mode (a hint only: decide under the gate).
    pub fn is_expiring(&self) -> bool {
        self.expiring.load(Ordering::SeqCst)
    }

    /// Holds the gate shared; [`Error::Closed`] once closed.
    pub fn shared(&self) -> Result<Shared<'_>> {
        let guard = self.gate.read().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(closed());
        }
        Ok(Shared {
            expiring: self.is_expiring(),
            guard,
        })
    }

    /// Holds the gate exclusively, for a transaction over the three trees.
    pub fn exclusive(&self) -> Result<Exclusive<'_>> {
        let guard = self.gate.write().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(closed());
        }
        Ok(Exclusive { guard })
    }

    /// Holds the gate exclusively and switches to expiring mode, for a write with a TTL
    /// (`with_deadline`), or only holds it.
    pub fn exclusive_for(&self, with_deadline: bool) -> Result<Exclusive<'_>> {
        let exclusive = self.exclusive()?;
        if with_deadline {
            self.expiring.store(true, Ordering::SeqCst);
        }
        Ok(exclusive)
    }

    /// Leaves expiring mode if no key expires any more.
    pub fn settle(&self, exclusive: &Exclusive<'_>) {
        if exclusive.expiry.is_empty() {
            self.expiring.store(false, Ordering::SeqCst);
        }
    }

    /// The database, to flush it after a write; `None` once closed (`close` flushed it).
    pub fn db(&self) -> Option<sled::Db> {
        let guard = self.gate.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|trees| trees.db.clone())
    }

    /// Takes the trees out: every later call is `Closed`. `None` when already closed.
    pub fn close(&self) -> Option<Trees> {
        self.gate.write().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl Shared<'_> {
    /// The value of `key` unless it is missing or expired at `now`.
    pub fn live_value(&self, operation: Operation, key: &[u8], now: u64) -> Result<Option<IVec>> {
        let value = self.data.get(key).map_err(|e| from_sled(operation, e))?;
        if value.is_some()
            && self.expiring
            && expiry::is_expired(self.deadline(operation, key)?, now)
        {
            return Ok(None);
        }
        Ok(value)
    }
}

impl Deref for Shared<'_> {
    type Target = Trees;

    fn deref(&self) -> &Trees {
        match self.guard.as_ref() {
            Some(trees) => trees,
            // `Store::shared` hands out holds on an open store only, and only `close`, with
            // the gate held exclusively, empties it.
            None => unreachable!("a shared hold on a closed sled store"),
        }
    }
}

impl Deref for Exclusive<'_> {
    type Target = Trees;

    fn deref(&self) -> &Trees {
        match self.guard.as_ref() {
            Some(trees) => trees,
            None => unreachable!("an exclusive hold on a closed sled store"),
        }
    }
}

/// The error of every call after `close`.
pub(crate) fn closed() -> Error {
    Error::Closed { backend: BACKEND }
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
