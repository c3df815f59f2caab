//! The sled backend itself.

use std::collections::HashMap;

use std::time::Duration;

use kivigo_core::backend::{OpenHandle, unique, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp,
    async_trait,
};
use sled::transaction::ConflictableTransactionResult;

use crate::config::{FlushPolicy, SledConfig};
use crate::error::{BACKEND, from_sled, from_transaction};

/// How long `open` waits for a database lock that is still held.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// Pause between two attempts to take the lock.
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

const CAPABILITIES: Capabilities = Capabilities::new(BACKEND)
    .with_list(true)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::Whole);

/// The open database and the tree kivigo uses; both are cheap to clone.
#[derive(Clone)]
struct Handles {
    db: sled::Db,
    tree: sled::Tree,
}

/// A key-value store in a sled database on local disk.
///
/// Build it with [`SledBackend::open`] or through `kivigo::open("sled://./data")`. Only one
/// process (and one open backend) can hold a database at a time; `close` releases it.
pub struct SledBackend {
    handles: OpenHandle<Handles>,
    flush: FlushPolicy,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for SledBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledBackend")
            .field("path", &self.path)
            .field("flush", &self.flush)
            .finish_non_exhaustive()
    }
}

impl SledBackend {
    /// Opens (or creates) the database described by `config`.
    pub async fn open(config: SledConfig) -> Result<Self> {
        let SledConfig {
            path,
            tree,
            flush,
            cache_capacity,
        } = config;
        let shown = path.display().to_string();
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        let handles = loop {
            let attempt = sled_config(&path, flush, cache_capacity);
            let tree = tree.clone();
            let opened = tokio::task::spawn_blocking(move || -> sled::Result<Handles> {
                let db = attempt.open()?;
                let tree = match tree {
                    Some(name) => db.open_tree(name)?,
                    None => (*db).clone(),
                };
                Ok(Handles { db, tree })
            })
            .await
            .map_err(|join| Error::permanent(BACKEND, Operation::Open, join))?;
            match opened {
                Ok(handles) => break handles,
                // sled's background threads can hold the file lock for a moment after the last
                // handle of a database closed in this process is dropped: wait for it, bounded.
                Err(err) if is_lock_error(&err) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(LOCK_RETRY).await;
                }
                Err(err) => {
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
            }
        };
        Ok(Self {
            handles: OpenHandle::new(BACKEND, handles),
            flush,
            path,
        })
    }

    fn tree(&self) -> Result<sled::Tree> {
        Ok(self.handles.get()?.tree)
    }

    /// Waits for the write to reach the disk when the policy says so.
    async fn after_write(&self, tree: &sled::Tree) -> Result<()> {
        if self.flush == FlushPolicy::Always {
            flush(tree.clone()).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Backend for SledBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        let value = self.tree()?.get(key).map_err(from_sled)?;
        Ok(value.map(|v| v.to_vec()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        let tree = self.tree()?;
        tree.insert(key, value).map_err(from_sled)?;
        self.after_write(&tree).await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let tree = self.tree()?;
        let existed = tree.remove(key).map_err(from_sled)?.is_some();
        if existed {
            self.after_write(&tree).await?;
        }
        Ok(existed)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let tree = self.tree()?;
        let prefix = prefix.to_owned();
        // A scan can walk the whole tree: it runs on the blocking pool, not on a worker.
        blocking(move || {
            tree.scan_prefix(prefix)
                .keys()
                .map(|key| {
                    let key = key.map_err(from_sled)?;
                    String::from_utf8(key.to_vec())
                        .map_err(|_| Error::foreign_key(BACKEND, Operation::List, &key))
                })
                .collect()
        })
        .await
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let tree = self.tree()?;
        let distinct: Vec<String> = unique(keys).cloned().collect();
        blocking(move || {
            let mut found = HashMap::with_capacity(distinct.len());
            for key in distinct {
                if let Some(value) = tree.get(&key).map_err(from_sled)? {
                    found.insert(key, value.to_vec());
                }
            }
            Ok(found)
        })
        .await
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        let tree = self.tree()?;
        let mut batch = sled::Batch::default();
        for (key, value) in entries {
            batch.insert(key.as_bytes(), value.as_slice());
        }
        let applying = tree.clone();
        blocking(move || applying.apply_batch(batch).map_err(from_sled)).await?;
        self.after_write(&tree).await
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let tree = self.tree()?;
        let distinct: Vec<String> = unique(keys).cloned().collect();
        let deleting = tree.clone();
        let existed = blocking(move || {
            deleting
                .transaction(|tx| -> ConflictableTransactionResult<u64, ()> {
                    let mut existed = 0;
                    for key in &distinct {
                        if tx.remove(key.as_bytes())?.is_some() {
                            existed += 1;
                        }
                    }
                    Ok(existed)
                })
                .map_err(from_transaction)
        })
        .await?;
        if existed > 0 {
            self.after_write(&tree).await?;
        }
        Ok(existed)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&CAPABILITIES, key)?;
        Err(Error::unsupported(BACKEND, Operation::Ttl))
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Expire, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::Expire))
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_value(&CAPABILITIES, key, value)?;
        validate::check_ttl(&CAPABILITIES, Operation::SetIfAbsent, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::SetIfAbsent))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        _expected: Option<&[u8]>,
        _new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        Err(Error::unsupported(BACKEND, Operation::CompareAndSwap))
    }

    async fn increment(&self, key: &str, _delta: i64) -> Result<i64> {
        validate::check_key(&CAPABILITIES, key)?;
        Err(Error::unsupported(BACKEND, Operation::Increment))
    }

    async fn scan(&self, _prefix: &str, _cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        Err(Error::unsupported(BACKEND, Operation::Scan))
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&CAPABILITIES, ops)?;
        Err(Error::unsupported(BACKEND, Operation::BatchWrite))
    }

    async fn health(&self) -> Result<()> {
        let Handles { db, tree } = self.handles.get()?;
        blocking(move || {
            tree.first().map_err(from_sled)?;
            db.size_on_disk().map_err(from_sled)?;
            Ok(())
        })
        .await
    }

    async fn close(&self) -> Result<()> {
        if let Some(Handles { db, tree }) = self.handles.take() {
            drop(tree);
            flush((*db).clone()).await?;
        }
        Ok(())
    }
}

/// Runs sled work that may touch the disk or walk many entries on Tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| Error::permanent(BACKEND, Operation::Get, join))?
}

/// Flushes on the blocking pool. sled's own `flush_async` can leave concurrent callers waiting
/// forever (sled issues 1241 and 1308), so it is not used.
async fn flush(tree: sled::Tree) -> Result<()> {
    blocking(move || tree.flush().map(drop).map_err(from_sled)).await
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
