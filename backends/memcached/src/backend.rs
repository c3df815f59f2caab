//! The memcached backend itself.

use std::collections::HashMap;

use std::time::Duration;

use kivigo_core::backend::{OpenHandle, chunks, last_write_wins, unique, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp,
    async_trait,
};
use memcache::exp::{AsyncMetaClient, Delete, Get, GetResult, MutationResult, MutationStatus, Set};

use crate::config::MemcachedConfig;
use crate::error::{BACKEND, from_driver, is_too_large};
use crate::keys::{self, ITEM_OVERHEAD};
use crate::probe;

/// memcached's default item size limit (`-I 1m`), used when the server does not say.
const DEFAULT_ITEM_SIZE_MAX: usize = 1 << 20;

/// Most commands in one pipelined exchange with a server.
const CHUNK_OPS: usize = 1000;

/// Most key and value bytes in one chunk of a `batch_set`, so that one exchange stays well
/// within the timeout. A single larger entry still goes alone.
const CHUNK_SET_BYTES: usize = 2 << 20;

/// Most request bytes in one chunk of a `batch_get` or `batch_delete`. The client writes a whole
/// chunk before reading the answers; keeping the request small enough for the sockets' buffers
/// means the server never waits for us to read while we wait for it to read.
const CHUNK_KEY_BYTES: usize = 64 << 10;

/// Bytes of a meta command line besides the key (`mg `, flags, opaque token, `\r\n`).
const COMMAND_OVERHEAD: usize = 24;

/// A key-value store on one memcached server or several (keys spread by rendezvous hashing).
///
/// Build it with [`MemcachedBackend::open`] or through `kivigo::open("memcached://host:11211")`.
/// Values live in memcached's memory only: the server may evict them under memory pressure and
/// loses them all when it restarts. memcached cannot list its keys, so `list` is unsupported.
pub struct MemcachedBackend {
    client: OpenHandle<AsyncMetaClient>,
    capabilities: Capabilities,
    prefix: String,
    servers: Vec<String>,
}

impl std::fmt::Debug for MemcachedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcachedBackend")
            .field("servers", &self.servers)
            .field("prefix", &self.prefix)
            .field("max_value_size", &self.capabilities.max_value_size)
            .finish_non_exhaustive()
    }
}

impl MemcachedBackend {
    /// Connects to the servers of `config`.
    ///
    /// Every server is contacted once: to check that it answers (`Error::Unavailable` or
    /// `Error::Timeout` otherwise) and, unless `config.item_size_max` is set, to read its item
    /// size limit; the smallest limit sets `max_value_size`.
    pub async fn open(config: MemcachedConfig) -> Result<Self> {
        config.validate()?;
        let MemcachedConfig {
            servers,
            prefix,
            timeout,
            connect_timeout,
            max_connections,
            item_size_max,
        } = config;
        let mut smallest: Option<usize> = None;
        for server in &servers {
            let limit = probe::item_size_max(server, connect_timeout, timeout).await?;
            if let Some(limit) = limit {
                smallest = Some(smallest.map_or(limit, |s| s.min(limit)));
            }
        }
        let item_size_max = item_size_max.or(smallest).unwrap_or(DEFAULT_ITEM_SIZE_MAX);
        let connect = AsyncMetaClient::builder()
            .connect_timeout(Some(connect_timeout))
            .io_timeout(Some(timeout))
            .max_connections(max_connections)
            .connect_multiple_async(servers.iter().map(String::as_str));
        let client = tokio::time::timeout(connect_timeout, connect)
            .await
            .map_err(|_| Error::timeout(BACKEND, Operation::Open))?
            .map_err(|err| from_driver(err, Operation::Open))?;
        let capabilities = Capabilities::new(BACKEND)
            .with_list(false)
            .with_native_batch(true)
            .with_atomic_batch(Atomicity::None)
            .with_max_key_size(keys::max_key_len(&prefix))
            .with_max_value_size(item_size_max.saturating_sub(ITEM_OVERHEAD).max(1));
        Ok(Self {
            client: OpenHandle::new(BACKEND, client),
            capabilities,
            prefix,
            servers,
        })
    }

    fn client(&self) -> Result<AsyncMetaClient> {
        self.client.get()
    }

    /// The key as the server sees it, for a single command.
    fn wire(&self, key: &str) -> Vec<u8> {
        let mut buffer = Vec::with_capacity(self.prefix.len() + key.len());
        keys::wire(&mut buffer, &self.prefix, key);
        buffer
    }

    fn check_key(&self, key: &str) -> Result<()> {
        keys::check(key, &self.prefix, keys::max_key_len(&self.prefix))?;
        validate::check_key(&self.capabilities, key)
    }

    fn check_keys(&self, keys: &[String]) -> Result<()> {
        keys.iter().try_for_each(|key| self.check_key(key))
    }

    fn check_entries(&self, entries: &[Entry]) -> Result<()> {
        entries.iter().try_for_each(|(key, value)| {
            self.check_key(key)?;
            validate::check_value(&self.capabilities, key, value)
        })
    }

    /// Turns the answer to a set into `()` or the error it means.
    fn stored(
        &self,
        key: &str,
        size: usize,
        answer: memcache::exp::Result<MutationResult>,
        operation: Operation,
    ) -> Result<()> {
        match answer {
            Ok(result) if result.applied() => Ok(()),
            Ok(result) => Err(Error::transient(
                BACKEND,
                operation,
                format!("the server did not store key {key:?} ({:?})", result.status),
            )),
            Err(err) if is_too_large(&err) => Err(Error::ValueTooLarge {
                key: key.to_owned(),
                size,
                max: self.capabilities.max_value_size.unwrap_or(size),
                backend: BACKEND,
            }),
            Err(err) => Err(from_driver(err, operation)),
        }
    }

    /// The key bytes one command of a chunk costs.
    fn key_cost(&self, key: &str) -> usize {
        self.prefix.len() + key.len() + COMMAND_OVERHEAD
    }
}

/// The value of a hit; `None` for a miss (or a placeholder another client is filling).
fn hit_value(result: GetResult) -> Option<Vec<u8>> {
    result.hit().then(|| result.value.unwrap_or_default())
}

#[async_trait]
impl Backend for MemcachedBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.check_key(key)?;
        let result = self
            .client()?
            .run(Get::new(self.wire(key)))
            .await
            .map_err(|err| from_driver(err, Operation::Get))?;
        Ok(hit_value(result))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        self.check_key(key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::Set, ttl)?;
        let answer = self.client()?.run(Set::new(self.wire(key), value)).await;
        self.stored(key, value.len(), answer, Operation::Set)
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        self.check_key(key)?;
        let result = self
            .client()?
            .run(Delete::new(self.wire(key)))
            .await
            .map_err(|err| from_driver(err, Operation::Delete))?;
        Ok(result.status == MutationStatus::Applied)
    }

    async fn list(&self, _prefix: &str) -> Result<Vec<String>> {
        self.client()?;
        Err(Error::unsupported(BACKEND, Operation::List))
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        self.check_keys(keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let client = self.client()?;
        let (prefix, mut buffer) = (self.prefix.as_str(), Vec::new());
        let distinct: Vec<&String> = unique(keys).collect();
        let mut found = HashMap::with_capacity(distinct.len());
        for chunk in chunks(&distinct, CHUNK_OPS, CHUNK_KEY_BYTES, |k| self.key_cost(k)) {
            let answers = client
                .run_many(
                    chunk
                        .iter()
                        .map(|key| Get::new(keys::wire(&mut buffer, prefix, key))),
                )
                .await
                .map_err(|err| from_driver(err, Operation::BatchGet))?;
            for (key, answer) in chunk.iter().zip(answers) {
                let result = answer.map_err(|err| from_driver(err, Operation::BatchGet))?;
                if let Some(value) = hit_value(result) {
                    found.insert((*key).clone(), value);
                }
            }
        }
        Ok(found)
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        self.check_entries(entries)?;
        if !entries.is_empty() {
            validate::check_ttl(&self.capabilities, Operation::BatchSet, ttl)?;
        }
        if entries.is_empty() {
            return Ok(());
        }
        let client = self.client()?;
        let (prefix, mut buffer) = (self.prefix.as_str(), Vec::new());
        let kept = last_write_wins(entries);
        let cost = |(key, value): &&Entry| self.key_cost(key) + value.len();
        for chunk in chunks(&kept, CHUNK_OPS, CHUNK_SET_BYTES, cost) {
            let answers = client
                .run_many(
                    chunk
                        .iter()
                        .map(|(key, value)| Set::new(keys::wire(&mut buffer, prefix, key), value)),
                )
                .await
                .map_err(|err| from_driver(err, Operation::BatchSet))?;
            for ((key, value), answer) in chunk.iter().map(|e| (&e.0, &e.1)).zip(answers) {
                self.stored(key, value.len(), answer, Operation::BatchSet)?;
            }
        }
        Ok(())
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        self.check_keys(keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let client = self.client()?;
        let (prefix, mut buffer) = (self.prefix.as_str(), Vec::new());
        let distinct: Vec<&String> = unique(keys).collect();
        let mut existed = 0;
        for chunk in chunks(&distinct, CHUNK_OPS, CHUNK_KEY_BYTES, |k| self.key_cost(k)) {
            let answers = client
                .run_many(
                    chunk
                        .iter()
                        .map(|key| Delete::new(keys::wire(&mut buffer, prefix, key))),
                )
                .await
                .map_err(|err| from_driver(err, Operation::BatchDelete))?;
            for answer in answers {
                let result = answer.map_err(|err| from_driver(err, Operation::BatchDelete))?;
                if result.status == MutationStatus::Applied {
                    existed += 1;
                }
            }
        }
        Ok(existed)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(BACKEND, Operation::Ttl))
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_ttl(&self.capabilities, Operation::Expire, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::Expire))
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::SetIfAbsent, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::SetIfAbsent))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        _expected: Option<&[u8]>,
        _new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(BACKEND, Operation::CompareAndSwap))
    }

    async fn increment(&self, key: &str, _delta: i64) -> Result<i64> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(BACKEND, Operation::Increment))
    }

    async fn scan(&self, _prefix: &str, _cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        Err(Error::unsupported(BACKEND, Operation::Scan))
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&self.capabilities, ops)?;
        Err(Error::unsupported(BACKEND, Operation::BatchWrite))
    }

    async fn health(&self) -> Result<()> {
        self.client()?
            .noop()
            .await
            .map_err(|err| from_driver(err, Operation::Health))
    }

    async fn close(&self) -> Result<()> {
        // Dropping the client closes its pooled connections once in-flight calls finish.
        drop(self.client.take());
        Ok(())
    }
}
