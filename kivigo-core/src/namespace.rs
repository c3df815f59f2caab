//! A namespace: a view of a backend in which every key carries a fixed prefix.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{Backend, Capabilities, Entry, Error, OpenHandle, Result, validate};

/// A view of `inner` that stores every key as `prefix + key` and hides the prefix again on the
/// way out, so several tenants or features can share one store without seeing each other's keys.
///
/// `list("")` lists only this namespace. The key-size limit shrinks by the prefix length. Closing
/// a namespace closes the view, not the shared backend underneath.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kivigo_core::Result<()> {
/// use std::sync::Arc;
/// use kivigo_core::{Backend, MemoryBackend, Namespace};
///
/// let shared: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
/// let tenant_a = Namespace::new(shared.clone(), "tenant-a:")?;
/// tenant_a.set("plan", b"pro").await?;
/// assert_eq!(tenant_a.list("").await?, ["plan"]);
/// assert_eq!(shared.list("").await?, ["tenant-a:plan"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Namespace {
    inner: OpenHandle<Arc<dyn Backend>>,
    prefix: String,
    capabilities: Capabilities,
}

impl Namespace {
    /// A view of `inner` under `prefix`. The prefix must be non-empty and leave room for keys
    /// under the backend's key-size limit.
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
        Ok(Self {
            inner: OpenHandle::new("namespace", inner),
            prefix,
            capabilities,
        })
    }

    /// The prefix added to every key.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn full_keys(&self, keys: &[String]) -> Vec<String> {
        keys.iter().map(|key| self.full(key)).collect()
    }

    fn strip(&self, key: String) -> String {
        match key.strip_prefix(&self.prefix) {
            Some(short) => short.to_owned(),
            None => key,
        }
    }
}

#[async_trait]
impl Backend for Namespace {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&self.capabilities, key)?;
        self.inner.get()?.get(&self.full(key)).await
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        validate::check_key(&self.capabilities, key)?;
        self.inner.get()?.set(&self.full(key), value).await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        self.inner.get()?.delete(&self.full(key)).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let keys = self.inner.get()?.list(&self.full(prefix)).await?;
        Ok(keys.into_iter().map(|key| self.strip(key)).collect())
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&self.capabilities, keys)?;
        let inner = self.inner.get()?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let found = inner.batch_get(&self.full_keys(keys)).await?;
        Ok(found
            .into_iter()
            .map(|(key, value)| (self.strip(key), value))
            .collect())
    }

    async fn batch_set(&self, entries: &[Entry]) -> Result<()> {
        validate::check_entries(&self.capabilities, entries)?;
        let inner = self.inner.get()?;
        if entries.is_empty() {
            return Ok(());
        }
        let prefixed: Vec<Entry> = entries
            .iter()
            .map(|(key, value)| (self.full(key), value.clone()))
            .collect();
        inner.batch_set(&prefixed).await
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&self.capabilities, keys)?;
        let inner = self.inner.get()?;
        if keys.is_empty() {
            return Ok(0);
        }
        inner.batch_delete(&self.full_keys(keys)).await
    }

    async fn health(&self) -> Result<()> {
        self.inner.get()?.health().await
    }

    async fn close(&self) -> Result<()> {
        self.inner.take();
        Ok(())
    }
}
