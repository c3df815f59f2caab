//! A pass-through backend that remembers which keys a test wrote, so the harness can delete them
//! afterwards: memcached cannot list, so the suite's own "list, then delete everything" cleanup
//! finds nothing to delete. Every call goes to the real backend unchanged.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use kivigo_core::{Backend, Capabilities, Entry, Error, Result, async_trait};

/// Keys written under each scope, until the harness cleans the scope up.
#[derive(Default)]
pub struct Written(Mutex<HashMap<String, Arc<Mutex<BTreeSet<String>>>>>);

impl Written {
    /// Wraps `inner` so that the keys it writes are remembered under `scope`.
    pub fn wrap(&self, scope: &str, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        let keys = Arc::clone(
            self.0
                .lock()
                .expect("lock")
                .entry(scope.to_owned())
                .or_default(),
        );
        Arc::new(Recording { inner, keys })
    }

    /// Deletes what was written under `scope` through `fresh` (a new backend on the same prefix,
    /// since the suite closes the one it used), then forgets the scope.
    pub async fn clean(&self, scope: &str, fresh: Arc<dyn Backend>) {
        let keys = self.0.lock().expect("lock").remove(scope);
        let Some(keys) = keys else { return };
        let keys: Vec<String> = keys.lock().expect("lock").iter().cloned().collect();
        for chunk in keys.chunks(1000) {
            let _ = fresh.batch_delete(chunk).await;
        }
        let _ = fresh.close().await;
    }
}

#[derive(Debug)]
struct Recording {
    inner: Arc<dyn Backend>,
    keys: Arc<Mutex<BTreeSet<String>>>,
}

impl Recording {
    /// Remembers keys unless the call was refused before anything was written.
    fn remember<'a, T>(&self, result: &Result<T>, keys: impl Iterator<Item = &'a String>) {
        let refused = matches!(
            result,
            Err(Error::InvalidKey { .. } | Error::ValueTooLarge { .. } | Error::Closed { .. })
        );
        if !refused {
            self.keys.lock().expect("lock").extend(keys.cloned());
        }
    }
}

#[async_trait]
impl Backend for Recording {
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.inner.get(key).await
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        let result = self.inner.set(key, value).await;
        self.remember(&result, std::iter::once(&key.to_owned()));
        result
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        self.inner.delete(key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.inner.list(prefix).await
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        self.inner.batch_get(keys).await
    }

    async fn batch_set(&self, entries: &[Entry]) -> Result<()> {
        let result = self.inner.batch_set(entries).await;
        self.remember(&result, entries.iter().map(|(key, _)| key));
        result
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        self.inner.batch_delete(keys).await
    }

    async fn health(&self) -> Result<()> {
        self.inner.health().await
    }

    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
}
