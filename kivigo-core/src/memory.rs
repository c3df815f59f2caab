//! The in-memory backend: a sorted map behind a lock. Always compiled; handy for tests.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use crate::{
    Atomicity, Backend, Capabilities, Entry, OpenHandle, Result, backend::unique, validate,
};

type Map = Arc<RwLock<BTreeMap<String, Vec<u8>>>>;

const CAPABILITIES: Capabilities = Capabilities::new("memory")
    .with_list(true)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::Whole);

/// A process-local store. Every batch runs under one lock, so batches are atomic; nothing
/// survives the process. Opened by the URL `memory://`.
#[derive(Debug)]
pub struct MemoryBackend {
    map: OpenHandle<Map>,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            map: OpenHandle::new(CAPABILITIES.name, Map::default()),
        }
    }

    fn read(&self) -> Result<Map> {
        self.map.get()
    }
}

fn read_guard(map: &Map) -> RwLockReadGuard<'_, BTreeMap<String, Vec<u8>>> {
    map.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write_guard(map: &Map) -> RwLockWriteGuard<'_, BTreeMap<String, Vec<u8>>> {
    map.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl Backend for MemoryBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        let map = self.read()?;
        Ok(read_guard(&map).get(key).cloned())
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        validate::check_key(&CAPABILITIES, key)?;
        let map = self.read()?;
        write_guard(&map).insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let map = self.read()?;
        Ok(write_guard(&map).remove(key).is_some())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let map = self.read()?;
        let guard = read_guard(&map);
        Ok(guard
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .map(|(key, _)| key)
            .take_while(|key| key.starts_with(prefix))
            .cloned()
            .collect())
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        let map = self.read()?;
        let guard = read_guard(&map);
        Ok(unique(keys)
            .filter_map(|key| Some((key.clone(), guard.get(key)?.clone())))
            .collect())
    }

    async fn batch_set(&self, entries: &[Entry]) -> Result<()> {
        validate::check_entries(&CAPABILITIES, entries)?;
        let map = self.read()?;
        let mut guard = write_guard(&map);
        for (key, value) in entries {
            guard.insert(key.clone(), value.clone());
        }
        Ok(())
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        let map = self.read()?;
        let mut guard = write_guard(&map);
        Ok(unique(keys)
            .filter(|key| guard.remove(key.as_str()).is_some())
            .count() as u64)
    }

    async fn health(&self) -> Result<()> {
        self.read().map(drop)
    }

    async fn close(&self) -> Result<()> {
        self.map.take();
        Ok(())
    }
}
