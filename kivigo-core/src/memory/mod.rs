//! The in-memory backend: a sorted map behind a lock. Always compiled; handy for tests.

mod state;

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use self::state::{State, deadline};
use crate::backend::{
    DEFAULT_SWEEP_INTERVAL, OpenHandle, Options, Sweep, Sweeper, counter, unique, validate,
};
use crate::{
    Atomicity, Backend, BackendUrl, Capabilities, Entry, Error, KeyTtl, Operation, Result,
    ScanOrder, ScanPage, TtlSupport, WriteOp,
};

type Shared = Arc<RwLock<State>>;

const NAME: &str = "memory";

const CAPABILITIES: Capabilities = Capabilities::new(NAME)
    .with_list(true)
    .with_scan(ScanOrder::Sorted)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::Whole)
    .with_batch_write(true)
    .with_ttl(TtlSupport::new(Duration::from_millis(1)))
    .with_conditional_writes(true)
    .with_increment(true);

/// A process-local store. Every operation runs under one lock, so batches are atomic and
/// conditional writes and counters are exact; nothing survives the process. Opened by the URL
/// `memory://` (option `sweep_interval`, default 1s, `0s` turns the sweeper off).
///
/// Expired entries are never returned; a background thread, started by the first write with a
/// TTL, removes them in chunks of 1,000 every `sweep_interval`.
#[derive(Debug)]
pub struct MemoryBackend {
    state: OpenHandle<Shared>,
    sweeper: Sweeper,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBackend {
    /// An empty store that sweeps expired entries every second.
    pub fn new() -> Self {
        Self::with_sweep_interval(DEFAULT_SWEEP_INTERVAL)
    }

    /// An empty store that sweeps expired entries every `interval` (zero: never; reads still
    /// hide them).
    pub fn with_sweep_interval(interval: Duration) -> Self {
        Self {
            state: OpenHandle::new(NAME, Shared::default()),
            sweeper: Sweeper::new(NAME, interval),
        }
    }

    /// Opens the store a `memory://[?sweep_interval=1s]` URL describes.
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        if !url.location().is_empty() {
            return Err(Error::config("memory:// takes no host or path"));
        }
        let mut options: Options = url.options(NAME);
        let interval = options.take_duration("sweep_interval")?;
        options.finish()?;
        Ok(Self::with_sweep_interval(
            interval.unwrap_or(DEFAULT_SWEEP_INTERVAL),
        ))
    }

    /// How many entries the map holds, expired ones not yet swept included.
    pub fn stored_entries(&self) -> Result<usize> {
        Ok(read(&self.state.get()?).stored())
    }

    fn shared(&self) -> Result<Shared> {
        self.state.get()
    }

    /// The deadline of a write with `ttl` (rounded up to the millisecond), starting the sweeper
    /// when the write expires.
    fn deadline(&self, shared: &Shared, now: Instant, ttl: Option<Duration>) -> Option<Instant> {
        let ttl = ttl.map(|ttl| ttl_support().round_up(ttl));
        if ttl.is_some() {
            let weak = Arc::downgrade(shared);
            self.sweeper
                .ensure_running(|| Box::new(move || sweep(&weak)));
        }
        deadline(now, ttl)
    }
}

fn ttl_support() -> TtlSupport {
    CAPABILITIES
        .ttl
        .unwrap_or(TtlSupport::new(Duration::from_millis(1)))
}

fn sweep(state: &Weak<RwLock<State>>) -> Sweep {
    match state.upgrade() {
        Some(state) => write(&state).sweep(Instant::now()),
        None => Sweep::Stop,
    }
}

fn read(state: &Shared) -> RwLockReadGuard<'_, State> {
    state
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write(state: &Shared) -> RwLockWriteGuard<'_, State> {
    state
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl Backend for MemoryBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        let shared = self.shared()?;
        let state = read(&shared);
        Ok(state.value(key, Instant::now()).cloned())
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let expires = self.deadline(&shared, now, ttl);
        write(&shared).put(key, value.to_vec(), expires);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let shared = self.shared()?;
        let existed = write(&shared).remove(key, Instant::now());
        Ok(existed)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&CAPABILITIES, key)?;
        let shared = self.shared()?;
        let ttl = read(&shared).ttl(key, Instant::now());
        Ok(ttl)
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Expire, ttl)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let expires = self.deadline(&shared, now, ttl);
        let existed = write(&shared).set_deadline(key, expires, now);
        Ok(existed)
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::SetIfAbsent, ttl)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let expires = self.deadline(&shared, now, ttl);
        let mut state = write(&shared);
        if state.live(key, now).is_some() {
            return Ok(false);
        }
        state.put(key, value.to_vec(), expires);
        Ok(true)
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let mut state = write(&shared);
        if state.value(key, now).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        match new {
            Some(value) => state.put(key, value.to_vec(), None),
            None => {
                state.remove(key, now);
            }
        }
        Ok(true)
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        validate::check_key(&CAPABILITIES, key)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let mut state = write(&shared);
        let current = state.live(key, now);
        let expires = current.and_then(|slot| slot.expires);
        let (value, bytes) = counter::next(key, current.map(|slot| slot.value.as_slice()), delta)?;
        state.put(key, bytes, expires);
        Ok(value)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let shared = self.shared()?;
        let (keys, _) = read(&shared).keys(prefix, None, usize::MAX, Instant::now());
        Ok(keys)
    }

    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        let shared = self.shared()?;
        let (keys, more) = read(&shared).keys(prefix, cursor, limit, Instant::now());
        // The cursor is the last key returned; the next page starts after it.
        let next = more.then(|| keys.last().cloned()).flatten();
        Ok(ScanPage::new(keys, next))
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        let shared = self.shared()?;
        let state = read(&shared);
        let now = Instant::now();
        Ok(unique(keys)
            .filter_map(|key| Some((key.clone(), state.value(key, now)?.clone())))
            .collect())
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let expires = self.deadline(&shared, now, ttl);
        let mut state = write(&shared);
        for (key, value) in entries {
            state.put(key, value.clone(), expires);
        }
        Ok(())
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let mut state = write(&shared);
        Ok(unique(keys).filter(|key| state.remove(key, now)).count() as u64)
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&CAPABILITIES, ops)?;
        let shared = self.shared()?;
        let now = Instant::now();
        let deadlines: Vec<Option<Instant>> = ops
            .iter()
            .map(|op| self.deadline(&shared, now, op.ttl()))
            .collect();
        let mut state = write(&shared);
        for (op, expires) in ops.iter().zip(deadlines) {
            match op {
                WriteOp::Put { key, value, .. } => state.put(key, value.clone(), expires),
                WriteOp::Delete { key } => {
                    state.remove(key, now);
                }
            }
        }
        Ok(())
    }

    async fn health(&self) -> Result<()> {
        self.shared().map(drop)
    }

    async fn close(&self) -> Result<()> {
        self.state.take();
        self.sweeper.stop();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sweeper_removes_expired_entries() {
        let store = MemoryBackend::with_sweep_interval(Duration::from_millis(5));
        let entries: Vec<Entry> = (0..2500)
            .map(|i| (format!("k{i:04}"), b"v".to_vec()))
            .collect();
        let ttl = Duration::from_millis(200);
        let written = Instant::now();
        store
            .batch_set(&entries, Some(ttl))
            .await
            .expect("batch_set");
        store.set("stays", b"v", None).await.expect("set");
        let stored = store.stored_entries().expect("open");
        // Nothing is swept before the TTL ends; a machine that stalled past it may have swept.
        if written.elapsed() < ttl {
            assert_eq!(stored, 2501);
        }
        // Waiting on the clock is the point of this test: entries expire, then get swept.
        let deadline = Instant::now() + Duration::from_secs(30);
        while store.stored_entries().expect("open") > 1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(store.stored_entries().expect("open"), 1);
        assert_eq!(store.list("").await.expect("list"), ["stays"]);
        store.close().await.expect("close");
        assert!(!store.sweeper.is_running());
    }

    #[tokio::test]
    async fn without_a_sweeper_expired_entries_stay_stored_but_hidden() {
        let store = MemoryBackend::with_sweep_interval(Duration::ZERO);
        store
            .set("short", b"v", Some(Duration::from_millis(1)))
            .await
            .expect("set");
        let until = Instant::now() + Duration::from_millis(5);
        while Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(store.get("short").await.expect("get"), None);
        assert_eq!(store.stored_entries().expect("open"), 1);
        assert!(!store.sweeper.is_running());
    }
}
