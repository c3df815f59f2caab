//! The sled backend: input checks, where each operation runs, and the flush policy.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kivigo_core::backend::{Sweeper, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanOrder, ScanPage,
    WriteOp, async_trait,
};

use crate::config::{FlushPolicy, SledConfig};
use crate::error::{BACKEND, from_sled};
use crate::expiry::{TTL, deadline_after};
use crate::offload::{offload, offload_with};
use crate::store::{Store, Trees};
use crate::sweep;

/// How long `open` waits for a database lock that is still held.
const LOCK_WAIT: Duration = Duration::from_secs(2);
/// Pause between two attempts to take the lock.
const LOCK_RETRY: Duration = Duration::from_millis(20);

/// Batches and scan pages of at most this many keys run inline on the caller's task: sled
/// serves them from memory in tens of microseconds, less than a trip to another thread.
/// Larger ones go through [`offload`].
const INLINE_KEYS: usize = 128;

const CAPABILITIES: Capabilities = Capabilities::new(BACKEND)
    .with_list(true)
    .with_scan(ScanOrder::Sorted)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::Whole)
    .with_batch_write(true)
    .with_ttl(TTL)
    .with_conditional_writes(true)
    .with_increment(true);

/// A key-value store in a sled database on local disk.
///
/// Build it with [`SledBackend::open`] or through `kivigo::open("sled://./data")`. Only one
/// process (and one open backend) can hold a database at a time; `close` releases it, and the
/// same path can be opened again right away.
///
/// Values are stored in the data tree exactly as kivigo 0.1 stored them; keys with a TTL also
/// have their deadline in two trees beside it (see the sled page of the docs). Expired keys
/// are never returned, and a background thread removes them every
/// [`SledConfig::sweep_interval`].
pub struct SledBackend {
    /// Open or closed: the store's gate holds the trees until `close` (no separate
    /// `OpenHandle`, which would cost every call a second lock and a reference count).
    store: Arc<Store>,
    sweeper: Arc<Sweeper>,
    flush: FlushPolicy,
    path: PathBuf,
}

impl std::fmt::Debug for SledBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledBackend")
            .field("path", &self.path)
            .field("flush", &self.flush)
            .field("sweep_interval", &self.sweeper.interval())
            .finish_non_exhaustive()
    }
}

impl SledBackend {
    /// Opens (or creates) the database described by `config`. A database written by kivigo
    /// 0.1 opens as it is: its values are read unchanged.
    pub async fn open(config: SledConfig) -> Result<Self> {
        config.check()?;
        let SledConfig {
            path,
            tree,
            flush,
            cache_capacity,
            sweep_interval,
        } = config;
        let shown = path.display().to_string();
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        let store = loop {
            let attempt = sled_config(&path, flush, cache_capacity);
            let tree = tree.clone();
            let opened = offload(Operation::Open, move || {
                Ok(attempt
                    .open()
                    .and_then(|db| Trees::open(db, tree.as_deref())))
            })
            .await?;
            match opened {
                Ok(trees) => break Arc::new(Store::new(trees)),
                // sled's background threads can hold the file lock for a moment after the last
                // handle of a database closed in this process is dropped: wait for it, bounded.
                Err(err) if is_lock_error(&err) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(LOCK_RETRY).await;
                }
                Err(err) if is_lock_error(&err) => {
                    return Err(Error::unavailable(
                        BACKEND,
                        Operation::Open,
                        format!(
                            "could not open the database at {shown} \
                             (is another process using it?)"
                        ),
                        err,
                    ));
                }
                // A corrupt or incompatible database, or a disk error: retrying will not help.
                Err(err) => {
                    return Err(Error::permanent(
                        BACKEND,
                        Operation::Open,
                        format!("could not open the database at {shown}: {err}"),
                    ));
                }
            }
        };
        let backend = Self {
            store,
            sweeper: Arc::new(Sweeper::new(BACKEND, sweep_interval)),
            flush,
            path,
        };
        if backend.store.is_expiring() {
            // Keys with a TTL from an earlier run are swept as well.
            backend.start_sweeper();
        }
        Ok(backend)
    }

    /// How many entries the data tree holds, expired ones not yet swept included (the memory
    /// backend has the same method). It walks the whole tree.
    pub async fn stored_entries(&self) -> Result<usize> {
        let store = self.store.clone();
        offload(Operation::List, move || Ok(store.shared()?.data.len())).await
    }

    /// The deadline of a write with `ttl`, starting the sweeper when the write expires.
    fn deadline(&self, ttl: Option<Duration>) -> Option<u64> {
        let deadline = deadline_after(ttl);
        if deadline.is_some() {
            self.start_sweeper();
        }
        deadline
    }

    fn start_sweeper(&self) {
        let weak = Arc::downgrade(&self.store);
        self.sweeper.ensure_running(|| sweep::step(weak));
    }

    /// Waits for the write to reach the disk when the policy says so.
    async fn after_write(&self, operation: Operation) -> Result<()> {
        if self.flush != FlushPolicy::Always {
            return Ok(());
        }
        // Closed in between: `close` has flushed everything.
        let Some(db) = self.store.db() else {
            return Ok(());
        };
        offload(operation, move || flush(&db, operation)).await
    }
}

#[async_trait]
impl Backend for SledBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        self.store.get(key)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        let store = &self.store;
        let deadline = self.deadline(ttl);
        store.set(key, value, deadline)?;
        self.after_write(Operation::Set).await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let store = &self.store;
        let (existed, wrote) = store.delete(key)?;
        if wrote {
            self.after_write(Operation::Delete).await?;
        }
        Ok(existed)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&CAPABILITIES, key)?;
        self.store.ttl(key)
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Expire, ttl)?;
        let store = &self.store;
        let deadline = self.deadline(ttl);
        let (existed, wrote) = store.expire(key, deadline)?;
        if wrote {
            self.after_write(Operation::Expire).await?;
        }
        Ok(existed)
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::SetIfAbsent, ttl)?;
        let store = &self.store;
        let deadline = self.deadline(ttl);
        let written = store.set_if_absent(key, value, deadline)?;
        if written {
            self.after_write(Operation::SetIfAbsent).await?;
        }
        Ok(written)
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let store = &self.store;
        let swapped = store.compare_and_swap(key, expected, new)?;
        if swapped {
            self.after_write(Operation::CompareAndSwap).await?;
        }
        Ok(swapped)
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        validate::check_key(&CAPABILITIES, key)?;
        let store = &self.store;
        let value = store.increment(key, delta)?;
        self.after_write(Operation::Increment).await?;
        Ok(value)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let store = self.store.clone();
        let prefix = prefix.to_owned();
        // A listing can walk the whole tree: never inline.
        offload(Operation::List, move || store.list(&prefix)).await
    }

    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        let store = &self.store;
        if limit <= INLINE_KEYS {
            return store.scan(prefix, cursor, limit);
        }
        let (prefix, cursor) = (prefix.to_owned(), cursor.map(str::to_owned));
        let store = store.clone();
        offload(Operation::Scan, move || {
            store.scan(&prefix, cursor.as_deref(), limit)
        })
        .await
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let store = &self.store;
        if keys.len() <= INLINE_KEYS {
            return store.batch_get(keys);
        }
        let store = store.clone();
        offload_with(Operation::BatchGet, keys, move |keys| store.batch_get(keys)).await
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        let store = &self.store;
        let deadline = self.deadline(ttl);
        if entries.len() <= INLINE_KEYS {
            store.batch_set(entries, deadline)?;
        } else {
            let writing = store.clone();
            offload_with(Operation::BatchSet, entries, move |entries| {
                writing.batch_set(entries, deadline)
            })
            .await?;
        }
        self.after_write(Operation::BatchSet).await
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let store = &self.store;
        let (existed, wrote) = if keys.len() <= INLINE_KEYS {
            store.batch_delete(keys)?
        } else {
            let deleting = store.clone();
            offload_with(Operation::BatchDelete, keys, move |keys| {
                deleting.batch_delete(keys)
            })
            .await?
        };
        if wrote {
            self.after_write(Operation::BatchDelete).await?;
        }
        Ok(existed)
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&CAPABILITIES, ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        let store = &self.store;
        if ops.iter().any(|op| op.ttl().is_some()) {
            self.start_sweeper();
        }
        if ops.len() <= INLINE_KEYS {
            store.batch_write(ops)?;
        } else {
            let writing = store.clone();
            offload_with(Operation::BatchWrite, ops, move |ops| {
                writing.batch_write(ops)
            })
            .await?;
        }
        self.after_write(Operation::BatchWrite).await
    }

    async fn health(&self) -> Result<()> {
        let store = self.store.clone();
        offload(Operation::Health, move || {
            let trees = store.shared()?;
            trees
                .data
                .first()
                .map_err(|e| from_sled(Operation::Health, e))?;
            trees
                .db
                .size_on_disk()
                .map_err(|e| from_sled(Operation::Health, e))?;
            Ok(())
        })
        .await
    }

    async fn close(&self) -> Result<()> {
        let (store, sweeper) = (self.store.clone(), self.sweeper.clone());
        offload(Operation::Close, move || {
            // The sweeper first (it takes the gate itself), then the trees: once they are
            // dropped nothing of this backend holds the database.
            sweeper.stop();
            match store.close() {
                Some(trees) => flush(&trees.db, Operation::Close),
                None => Ok(()),
            }
        })
        .await
    }
}

/// Flushes sled's log to disk. sled's own `flush_async` can leave concurrent callers waiting
/// forever (sled issues 1241 and 1308), so it is not used.
fn flush(db: &sled::Db, operation: Operation) -> Result<()> {
    db.flush().map(drop).map_err(|e| from_sled(operation, e))
}

/// sled reports a held database lock as an I/O error with this text.
fn is_lock_error(err: &sled::Error) -> bool {
    matches!(err, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

/// A fresh sled configuration for one attempt to open the database.
fn sled_config(path: &std::path::Path, flush: FlushPolicy, cache: Option<u64>) -> sled::Config {
    let config = sled::Config::new().path(path).flush_every_ms(match flush {
        FlushPolicy::Always => None,
        FlushPolicy::Every(interval) => Some(interval.as_millis().max(1) as u64),
    });
    match cache {
        Some(bytes) => config.cache_capacity(bytes),
        None => config,
    }
}
