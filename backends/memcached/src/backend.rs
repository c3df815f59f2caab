//! The memcached backend itself: opening, single-key operations and expiry; batches, conditional
//! writes and counters have their own files.

use std::collections::HashMap;
use std::time::Duration;

use kivigo_core::backend::{OpenHandle, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp,
    async_trait,
};
use memcache::exp::{
    AsyncMetaClient, Delete, Get, GetResult, Meta, MutationResult, MutationStatus, Rendezvous, Set,
};

use crate::config::MemcachedConfig;
use crate::error::{BACKEND, from_driver, is_too_large};
use crate::expiry::{self, Expiry};
use crate::limits::{DEFAULT_ITEM_SIZE_MAX, ITEM_OVERHEAD, KEY_RULES, MAX_KEY_BYTES};
use crate::probe;

/// A key-value store on one memcached server or several (keys spread by rendezvous hashing).
///
/// Build it with [`MemcachedBackend::open`] or through `kivigo::open("memcached://host:11211")`.
/// Values live in memcached's memory only: the server may evict them under memory pressure and
/// loses them all when it restarts. memcached cannot list its keys, so `list` and `scan` are
/// unsupported.
pub struct MemcachedBackend {
    client: OpenHandle<AsyncMetaClient>,
    capabilities: Capabilities,
    expiry: Expiry,
    servers: Vec<String>,
}

impl std::fmt::Debug for MemcachedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcachedBackend")
            .field("servers", &self.servers)
            .field("max_value_size", &self.capabilities.max_value_size)
            .finish_non_exhaustive()
    }
}

impl MemcachedBackend {
    /// Connects to the servers of `config`.
    ///
    /// Every server is contacted once: to check that it answers (`Error::Unavailable` or
    /// `Error::Timeout` otherwise), to read its clock (for TTLs over 30 days, which memcached
    /// takes as Unix times) and, unless `config.item_size_max` is set, its item size limit; the
    /// smallest limit sets `max_value_size`.
    pub async fn open(config: MemcachedConfig) -> Result<Self> {
        config.validate()?;
        let MemcachedConfig {
            servers,
            timeout,
            connect_timeout,
            max_connections,
            item_size_max,
        } = config;
        let mut infos = Vec::with_capacity(servers.len());
        for server in &servers {
            infos.push(probe::server_info(server, connect_timeout, timeout).await?);
        }
        let smallest = infos.iter().filter_map(|info| info.item_size_max).min();
        let item_size_max = item_size_max.or(smallest).unwrap_or(DEFAULT_ITEM_SIZE_MAX);
        // The client routes with this hashing, and so does the expiry code, to use the clock of
        // the server that holds a key.
        let router = Rendezvous::new();
        let offsets: Vec<Option<i64>> = infos.iter().map(|info| info.clock_offset).collect();
        let expiry = Expiry::new(&servers, &offsets, router);
        let connect = AsyncMetaClient::builder()
            .router(router)
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
            .with_batch_write(true)
            .with_max_key_size(MAX_KEY_BYTES)
            .with_key_rules(KEY_RULES)
            .with_max_value_size(item_size_max.saturating_sub(ITEM_OVERHEAD).max(1))
            .with_ttl(expiry.support())
            .with_conditional_writes(true)
            // A compare-and-swap loop: memcached's own incr/decr are unsigned.
            .with_increment(false);
        Ok(Self {
            client: OpenHandle::new(BACKEND, client),
            capabilities,
            expiry,
            servers,
        })
    }

    pub(crate) fn client(&self) -> Result<AsyncMetaClient> {
        self.client.get()
    }

    pub(crate) fn expiry(&self) -> &Expiry {
        &self.expiry
    }

    /// The exptime token of a write of `key` with `ttl` (`None`: no `T` flag, persistent).
    fn token(&self, operation: Operation, key: &str, ttl: Option<Duration>) -> Result<Option<u32>> {
        ttl.map(|ttl| Ok(self.expiry.tokens(operation, ttl)?.for_key(key)))
            .transpose()
    }

    /// Turns the answer to a write of `size` value bytes into `()` or the error it means.
    pub(crate) fn stored(
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
            Err(err) => Err(self.driver_error(key, size, err, operation)),
        }
    }

    /// A driver error from a write of `size` value bytes: the server's "too large" is
    /// [`Error::ValueTooLarge`] (its limit is below what it said at open), the rest as usual.
    pub(crate) fn driver_error(
        &self,
        key: &str,
        size: usize,
        err: memcache::exp::Error,
        operation: Operation,
    ) -> Error {
        if is_too_large(&err) {
            return Error::ValueTooLarge {
                // At most 250 bytes (checked before any I/O): short enough to show whole.
                key: key.to_owned(),
                size,
                max: self.capabilities.max_value_size.unwrap_or(size),
                backend: BACKEND,
            };
        }
        from_driver(err, operation)
    }
}

/// The value of a hit; `None` for a miss (or a placeholder another client is filling).
pub(crate) fn hit_value(result: GetResult) -> Option<Vec<u8>> {
    result.hit().then(|| result.value.unwrap_or_default())
}

#[async_trait]
impl Backend for MemcachedBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&self.capabilities, key)?;
        let result = self
            .client()?
            .run(Get::new(key))
            .await
            .map_err(|err| from_driver(err, Operation::Get))?;
        Ok(hit_value(result))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::Set, ttl)?;
        let client = self.client()?;
        let mut write = Set::new(key, value);
        if let Some(token) = self.token(Operation::Set, key, ttl)? {
            write = write.ttl_raw(token);
        }
        let answer = client.run(write).await;
        self.stored(key, value.len(), answer, Operation::Set)
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        let result = self
            .client()?
            .run(Delete::new(key))
            .await
            .map_err(|err| from_driver(err, Operation::Delete))?;
        Ok(result.status == MutationStatus::Applied)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&self.capabilities, key)?;
        let read = Get::new(key).without_value().meta(Meta::NONE.ttl());
        let result = self
            .client()?
            .run(read)
            .await
            .map_err(|err| from_driver(err, Operation::Ttl))?;
        if !result.hit() {
            return Ok(KeyTtl::Missing);
        }
        let left = result.item.ttl.ok_or_else(|| {
            Error::permanent(BACKEND, Operation::Ttl, "the server sent no remaining time")
        })?;
        Ok(expiry::remaining(left))
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_ttl(&self.capabilities, Operation::Expire, ttl)?;
        let client = self.client()?;
        // A touch (`mg` with `T`) changes the exptime alone, atomically; `T0` is "never", so
        // a persistent key stays persistent and nothing is rewritten.
        let token = self.token(Operation::Expire, key, ttl)?.unwrap_or(0);
        let touch = Get::new(key).without_value().touch_raw(token);
        let result = client
            .run(touch)
            .await
            .map_err(|err| from_driver(err, Operation::Expire))?;
        Ok(result.hit())
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::SetIfAbsent, ttl)?;
        let client = self.client()?;
        let token = self.token(Operation::SetIfAbsent, key, ttl)?;
        self.add(&client, key, value, token, Operation::SetIfAbsent)
            .await
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        if let Some(value) = new {
            validate::check_value(&self.capabilities, key, value)?;
        }
        let client = self.client()?;
        self.swap(&client, key, expected, new).await
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        validate::check_key(&self.capabilities, key)?;
        let client = self.client()?;
        self.add_to_counter(&client, key, delta).await
    }

    async fn list(&self, _prefix: &str) -> Result<Vec<String>> {
        self.client()?;
        Err(Error::unsupported(BACKEND, Operation::List))
    }

    async fn scan(&self, _prefix: &str, _cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        Err(Error::unsupported(BACKEND, Operation::Scan))
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&self.capabilities, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        self.get_many(&self.client()?, keys).await
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&self.capabilities, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        let client = self.client()?;
        let tokens = ttl
            .map(|ttl| self.expiry.tokens(Operation::BatchSet, ttl))
            .transpose()?;
        self.set_many(&client, entries, tokens.as_ref()).await
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&self.capabilities, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        self.delete_many(&self.client()?, keys).await
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&self.capabilities, ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        let client = self.client()?;
        self.write_many(&client, ops).await
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
