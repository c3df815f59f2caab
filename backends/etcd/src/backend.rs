//! The etcd backend itself.

use std::collections::HashMap;
use std::sync::Arc;

use etcd_client::{GetOptions, Txn, TxnOp, TxnOpResponse};
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;

use kivigo_core::backend::{OpenHandle, last_write_wins, unique, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp,
    async_trait,
};

use crate::cluster::{Cluster, Retry};
use crate::config::EtcdConfig;
use crate::error::{BACKEND, is_compacted};
use crate::limits::{self, MAX_KEY_SIZE, MAX_TXN_OPS, MAX_VALUE_SIZE};

const CAPABILITIES: Capabilities = Capabilities::new(BACKEND)
    .with_list(true)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::PerChunk(MAX_TXN_OPS))
    .with_max_key_size(MAX_KEY_SIZE)
    .with_max_value_size(MAX_VALUE_SIZE);

/// Times a listing starts over when etcd compacts the revision it was reading.
const MAX_LIST_RESTARTS: usize = 3;

/// Txn chunks of one batch that are in flight at once.
const CHUNKS_IN_FLIGHT: usize = 4;

/// A key-value store in an etcd v3 cluster.
///
/// Build it with [`EtcdBackend::open`] or through `kivigo::open("etcd://h1:2379,h2:2379")`.
/// Every key is stored under the configured prefix. Batches are Txns of at most 128 operations
/// and 1.5 MiB; `list` pages through a keys-only range.
pub struct EtcdBackend {
    cluster: OpenHandle<Arc<Cluster>>,
    prefix: Vec<u8>,
    page_size: i64,
    endpoints: Vec<String>,
}

impl std::fmt::Debug for EtcdBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdBackend")
            .field("endpoints", &self.endpoints)
            .field("prefix", &String::from_utf8_lossy(&self.prefix))
            .finish_non_exhaustive()
    }
}

impl EtcdBackend {
    /// Connects to the cluster described by `config`. It succeeds when at least one endpoint
    /// answers a status request and has a leader; otherwise the error names every endpoint and
    /// why it failed.
    pub async fn open(config: EtcdConfig) -> Result<Self> {
        config.check()?;
        let cluster = Arc::new(Cluster::new(&config)?);
        let backend = Self {
            endpoints: cluster.endpoints().map(str::to_owned).collect(),
            cluster: OpenHandle::new(BACKEND, cluster),
            prefix: config.prefix.into_bytes(),
            page_size: i64::from(config.page_size),
        };
        backend.health().await?;
        Ok(backend)
    }

    /// The status of every endpoint: `Ok` when it answered and has a leader, the reason
    /// otherwise. [`Backend::health`] is `Ok` when any endpoint is.
    pub async fn endpoint_health(&self) -> Result<Vec<(String, Result<()>)>> {
        Ok(self.cluster()?.statuses().await)
    }

    fn cluster(&self) -> Result<Arc<Cluster>> {
        self.cluster.get()
    }

    /// The key as stored: prefix then key.
    fn full_key(&self, key: &str) -> Vec<u8> {
        let mut full = Vec::with_capacity(self.prefix.len() + key.len());
        full.extend_from_slice(&self.prefix);
        full.extend_from_slice(key.as_bytes());
        full
    }

    /// The kivigo key of a stored key (prefix removed).
    fn user_key(&self, stored: &[u8]) -> Result<String> {
        let rest = stored
            .strip_prefix(self.prefix.as_slice())
            .unwrap_or(stored);
        String::from_utf8(rest.to_vec())
            .map_err(|_| Error::foreign_key(BACKEND, Operation::List, stored))
    }

    /// Sends each chunk as one Txn (a few at a time) and folds the responses with `absorb`.
    async fn run_txns<A>(
        &self,
        operation: Operation,
        retry: Retry,
        chunks: Vec<Vec<TxnOp>>,
        mut absorb: A,
    ) -> Result<()>
    where
        A: FnMut(Vec<TxnOpResponse>) -> Result<()>,
    {
        let cluster = self.cluster()?;
        let mut responses = futures::stream::iter(chunks)
            .map(|ops| {
                let cluster = &cluster;
                async move {
                    cluster
                        .call(operation, retry, |mut conn| {
                            let txn = Txn::new().and_then(ops.clone());
                            async move { conn.kv.txn(txn).await }
                        })
                        .await
                }
            })
            .buffer_unordered(CHUNKS_IN_FLIGHT);
        while let Some(response) = responses.try_next().await? {
            absorb(response.op_responses())?;
        }
        Ok(())
    }
}

#[async_trait]
impl Backend for EtcdBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        let full = self.full_key(key);
        let mut response = self
            .cluster()?
            .call(Operation::Get, Retry::Always, |mut conn| {
                let full = full.clone();
                async move { conn.kv.get(full, None).await }
            })
            .await?;
        Ok(response
            .take_kvs()
            .into_iter()
            .next()
            .map(|kv| kv.into_key_value().1))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_value(&CAPABILITIES, key, value)?;
        let full = self.full_key(key);
        self.cluster()?
            .call(Operation::Set, Retry::Always, |mut conn| {
                let (full, value) = (full.clone(), value.to_vec());
                async move { conn.kv.put(full, value, None).await }
            })
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let full = self.full_key(key);
        let response = self
            .cluster()?
            .call(Operation::Delete, Retry::IfNotApplied, |mut conn| {
                let full = full.clone();
                async move { conn.kv.delete(full, None).await }
            })
            .await?;
        Ok(response.deleted() > 0)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let cluster = self.cluster()?;
        let start = self.full_key(prefix);
        let end = range_end(&start);
        let mut keys = Vec::new();
        // etcd has no empty key: the empty prefix starts at the smallest one.
        let first = if start.is_empty() { vec![0] } else { start };
        let mut from = first.clone();
        // Every page reads the revision of the first, so the listing is one consistent snapshot.
        // If etcd compacts that revision away meanwhile, the listing starts again (a few times).
        let mut revision = 0;
        let mut restarts = 0;
        loop {
            let options = GetOptions::new()
                .with_range(end.clone())
                .with_keys_only()
                .with_limit(self.page_size)
                .with_revision(revision);
            let page = cluster
                .call(Operation::List, Retry::Always, |mut conn| {
                    let (from, options) = (from.clone(), options.clone());
                    async move { conn.kv.get(from, Some(options)).await }
                })
                .await;
            let mut page = match page {
                Err(err) if is_compacted(&err) && restarts < MAX_LIST_RESTARTS => {
                    restarts += 1;
                    keys.clear();
                    from = first.clone();
                    revision = 0;
                    continue;
                }
                other => other?,
            };
            if revision == 0 {
                revision = page.header().map_or(0, |h| h.revision());
            }
            let more = page.more();
            let kvs = page.take_kvs();
            let Some(last) = kvs.last() else { break };
            // The next page starts right after the last key: the same key plus a zero byte.
            from = [last.key(), b"\0"].concat();
            for kv in &kvs {
                keys.push(self.user_key(kv.key())?);
            }
            if !more {
                break;
            }
        }
        Ok(keys)
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let distinct: Vec<&String> = unique(keys).collect();
        if let [key] = distinct[..] {
            // One key needs no Txn: a plain range read is a little cheaper.
            let value = self.get(key).await?;
            return Ok(value.map(|v| (key.clone(), v)).into_iter().collect());
        }
        let ops: Vec<Vec<u8>> = distinct.iter().map(|key| self.full_key(key)).collect();
        let chunks = limits::chunks(&ops, Vec::len)
            .into_iter()
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|k| TxnOp::get(k.as_slice(), None))
                    .collect()
            })
            .collect();
        let mut found = HashMap::with_capacity(keys.len());
        self.run_txns(Operation::BatchGet, Retry::Always, chunks, |responses| {
            for response in responses {
                if let TxnOpResponse::Get(mut get) = response {
                    for kv in get.take_kvs() {
                        let (key, value) = kv.into_key_value();
                        found.insert(self.user_key(&key)?, value);
                    }
                }
            }
            Ok(())
        })
        .await?;
        Ok(found)
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        validate::check_entries(&CAPABILITIES, entries)?;
        if entries.is_empty() {
            return Ok(());
        }
        // A Txn may not name a key twice, so only the last write of each key is sent.
        let kept = last_write_wins(entries);
        if let [(key, value)] = kept[..] {
            // One entry needs no Txn: a plain put is a little cheaper.
            return self.set(key, value, ttl).await;
        }
        let puts: Vec<(Vec<u8>, &[u8])> = kept
            .into_iter()
            .map(|(key, value)| (self.full_key(key), value.as_slice()))
            .collect();
        let chunks = limits::chunks(&puts, |(key, value)| key.len() + value.len())
            .into_iter()
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|(key, value)| TxnOp::put(key.as_slice(), *value, None))
                    .collect()
            })
            .collect();
        self.run_txns(Operation::BatchSet, Retry::Always, chunks, |_| Ok(()))
            .await
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let distinct: Vec<&String> = unique(keys).collect();
        if let [key] = distinct[..] {
            return Ok(u64::from(self.delete(key).await?));
        }
        let ops: Vec<Vec<u8>> = distinct.iter().map(|key| self.full_key(key)).collect();
        let chunks = limits::chunks(&ops, Vec::len)
            .into_iter()
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|k| TxnOp::delete(k.as_slice(), None))
                    .collect()
            })
            .collect();
        let mut existed = 0;
        self.run_txns(
            Operation::BatchDelete,
            Retry::IfNotApplied,
            chunks,
            |responses| {
                for response in responses {
                    if let TxnOpResponse::Delete(delete) = response {
                        existed += u64::try_from(delete.deleted()).unwrap_or(0);
                    }
                }
                Ok(())
            },
        )
        .await?;
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
        let statuses = self.cluster()?.statuses().await;
        if statuses.iter().any(|(_, outcome)| outcome.is_ok()) {
            return Ok(());
        }
        // Refused for good everywhere (a wrong password, say): retrying will not help.
        let permanent = statuses
            .iter()
            .all(|(_, outcome)| outcome.as_ref().is_err_and(|err| !err.is_transient()));
        let failed: Vec<String> = statuses
            .into_iter()
            .map(|(endpoint, outcome)| match outcome {
                Err(Error::Timeout { .. }) => format!("{endpoint}: no answer in time"),
                Err(err) => format!("{endpoint}: {err}"),
                Ok(()) => endpoint,
            })
            .collect();
        let message = format!("no endpoint is healthy ({})", failed.join("; "));
        if permanent {
            return Err(Error::permanent(BACKEND, Operation::Health, message));
        }
        Err(Error::Unavailable {
            backend: BACKEND,
            operation: Operation::Health,
            never_sent: false,
            message,
            source: None,
        })
    }

    async fn close(&self) -> Result<()> {
        // Dropping the last handle closes the connections; calls already running finish first.
        drop(self.cluster.take());
        Ok(())
    }
}

/// The end of the range of keys starting with `start`: `start` with its last byte below 0xff
/// incremented and what follows dropped. `[0]` (no end) when there is none, which also covers
/// the empty prefix.
fn range_end(start: &[u8]) -> Vec<u8> {
    let mut end = start.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_end_is_the_prefix_successor() {
        assert_eq!(range_end(b"app/"), b"app0");
        assert_eq!(range_end(b"a\xff\xff"), b"b");
        assert_eq!(range_end(b"\xff"), [0]);
        assert_eq!(range_end(b""), [0]);
    }
}
