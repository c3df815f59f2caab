//! A namespace: a view of a backend in which every key carries a fixed prefix.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{Forward, Layer, layered};
use crate::backend::{OpenHandle, validate};
use crate::{Backend, Capabilities, Entry, Error, KeyTtl, Result, ScanPage, WriteOp};

/// A view of `inner` that stores every key as `prefix + key` and hides the prefix again on the
/// way out, so several tenants or features can share one store without seeing each other's keys.
///
/// `list("")` and `scan("")` see only this namespace. The key-size limit shrinks by the prefix
/// length. Every operation, batches included, reaches the store as one call of the same kind.
/// A namespace made with [`Namespace::new`] is a view: closing it closes the view, not the shared
/// backend underneath. The [`Prefix`] layer (the URL option `prefix`) owns its store and closes it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kivigo_core::Result<()> {
/// use std::sync::Arc;
/// use kivigo_core::{Backend, MemoryBackend, layer::{Namespace, layered}};
///
/// let shared: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
/// let tenant_a = layered(Namespace::new(shared.clone(), "tenant-a:")?);
/// tenant_a.set("plan", b"pro", None).await?;
/// assert_eq!(tenant_a.list("").await?, ["plan"]);
/// assert_eq!(shared.list("").await?, ["tenant-a:plan"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Namespace {
    inner: Arc<dyn Backend>,
    open: OpenHandle<()>,
    prefix: String,
    capabilities: Capabilities,
    closes_inner: bool,
}

impl Namespace {
    /// A view of `inner` under `prefix`. The prefix must be non-empty, leave room for keys under
    /// the backend's key-size limit and hold only bytes the store accepts in keys.
    pub fn new(inner: Arc<dyn Backend>, prefix: impl Into<String>) -> Result<Self> {
        let prefix = prefix.into();
        if prefix.is_empty() {
            return Err(Error::config("a namespace prefix must not be empty"));
        }
        let mut capabilities = inner.capabilities().clone();
        if let Some(max) = capabilities.max_key_size {
            if prefix.len() >= max {
                return Err(Error::config(format!(
                    "namespace prefix of {} bytes leaves no room under the {} key limit of {max}",
                    prefix.len(),
                    capabilities.name
                )));
            }
            capabilities.max_key_size = Some(max - prefix.len());
        }
        if capabilities.key_rules.first_forbidden(&prefix).is_some() {
            return Err(Error::config(format!(
                "namespace prefix {prefix:?} holds {}, which {} keys cannot",
                capabilities.key_rules.description, capabilities.name
            )));
        }
        Ok(Self {
            open: OpenHandle::new(capabilities.name, ()),
            inner,
            prefix,
            capabilities,
            closes_inner: false,
        })
    }

    /// Makes `close` close the backend underneath too (for a namespace that owns its store).
    pub fn closing_inner(mut self) -> Self {
        self.closes_inner = true;
        self
    }

    /// The prefix added to every key.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The store underneath, once the view is still open.
    fn store(&self) -> Result<&dyn Backend> {
        self.open.get()?;
        Ok(&*self.inner)
    }

    fn full(&self, key: &str) -> String {
        let mut full = String::with_capacity(self.prefix.len() + key.len());
        full.push_str(&self.prefix);
        full.push_str(key);
        full
    }

    fn full_keys(&self, keys: &[String]) -> Vec<String> {
        keys.iter().map(|key| self.full(key)).collect()
    }

    /// The key without the prefix; keys of other namespaces (which the store should not have
    /// returned) are dropped.
    fn strip(&self, key: String) -> Option<String> {
        key.strip_prefix(self.prefix.as_str()).map(str::to_owned)
    }

    fn strip_all(&self, keys: Vec<String>) -> Vec<String> {
        keys.into_iter().filter_map(|key| self.strip(key)).collect()
    }
}

#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl Forward for Namespace {
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?.get(&self.full(key)).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&self.capabilities, key)?;
        let store = self.store()?;
        store
            .set(&self.full(key), value, ttl)
            .await
            .map_err(|err| self.own_key(key, err))
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?.delete(&self.full(key)).await
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?.ttl(&self.full(key)).await
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?.expire(&self.full(key), ttl).await
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?
            .set_if_absent(&self.full(key), value, ttl)
            .await
            .map_err(|err| self.own_key(key, err))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?
            .compare_and_swap(&self.full(key), expected, new)
            .await
            .map_err(|err| self.own_key(key, err))
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        validate::check_key(&self.capabilities, key)?;
        self.store()?
            .increment(&self.full(key), delta)
            .await
            .map_err(|err| self.own_key(key, err))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let keys = self.store()?.list(&self.full(prefix)).await?;
        Ok(self.strip_all(keys))
    }

    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        let page = self
            .store()?
            .scan(&self.full(prefix), cursor, limit)
            .await?;
        Ok(ScanPage::new(self.strip_all(page.keys), page.cursor))
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&self.capabilities, keys)?;
        let store = self.store()?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let found = store.batch_get(&self.full_keys(keys)).await?;
        Ok(found
            .into_iter()
            .filter_map(|(key, value)| Some((self.strip(key)?, value)))
            .collect())
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_entries(&self.capabilities, entries)?;
        let store = self.store()?;
        if entries.is_empty() {
            return Ok(());
        }
        let prefixed: Vec<Entry> = entries
            .iter()
            .map(|(key, value)| (self.full(key), value.clone()))
            .collect();
        store
            .batch_set(&prefixed, ttl)
            .await
            .map_err(|err| self.unprefix(err))
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&self.capabilities, keys)?;
        let store = self.store()?;
        if keys.is_empty() {
            return Ok(0);
        }
        store
            .batch_delete(&self.full_keys(keys))
            .await
            .map_err(|err| self.unprefix(err))
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&self.capabilities, ops)?;
        let store = self.store()?;
        if ops.is_empty() {
            return Ok(());
        }
        let prefixed: Vec<WriteOp> = ops
            .iter()
            .map(|op| op.with_key(self.full(op.key())))
            .collect();
        store
            .batch_write(&prefixed)
            .await
            .map_err(|err| self.unprefix(err))
    }

    async fn health(&self) -> Result<()> {
        self.store()?.health().await
    }

    async fn close(&self) -> Result<()> {
        let was_open = self.open.take().is_some();
        if was_open && self.closes_inner {
            self.inner.close().await?;
        }
        Ok(())
    }
}

impl Namespace {
    /// The error of a single-key call on `key`: a key it names is the caller's `key`. Stripping
    /// the prefix is not enough, since stores shorten keys over 64 characters in errors and a
    /// long prefix then leaves nothing to strip.
    fn own_key(&self, key: &str, mut err: Error) -> Error {
        match &mut err {
            Error::InvalidKey { key: named, .. }
            | Error::ValueTooLarge { key: named, .. }
            | Error::NotANumber { key: named }
            | Error::Overflow { key: named, .. }
            | Error::Conflict { key: named, .. } => *named = crate::error::shorten(key),
            _ => return self.unprefix(err),
        }
        err
    }

    /// Errors from the store name stored keys (a counter that is not a number, a value too
    /// large, a half-applied batch): give the caller its own.
    fn unprefix(&self, mut err: Error) -> Error {
        match &mut err {
            Error::PartialBatch { progress, .. } => {
                for group in [
                    &mut progress.written,
                    &mut progress.unknown,
                    &mut progress.not_written,
                ] {
                    let keys = std::mem::take(group);
                    *group = self.strip_all(keys);
                }
            }
            Error::InvalidKey { key, .. }
            | Error::ValueTooLarge { key, .. }
            | Error::NotANumber { key }
            | Error::Overflow { key, .. }
            | Error::Conflict { key, .. } => {
                if let Some(own) = key.strip_prefix(self.prefix.as_str()) {
                    *key = own.to_owned();
                }
            }
            _ => {}
        }
        err
    }
}

/// The layer that puts a store under a key prefix (the URL option `?prefix=app:`): a
/// [`Namespace`] that owns the store, so closing it closes the store.
#[derive(Debug, Clone)]
pub struct Prefix(String);

impl Prefix {
    /// Keys go under `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self(prefix.into())
    }
}

impl Layer for Prefix {
    fn layer(&self, inner: Arc<dyn Backend>) -> Result<Arc<dyn Backend>> {
        Ok(layered(
            Namespace::new(inner, self.0.clone())?.closing_inner(),
        ))
    }
}
