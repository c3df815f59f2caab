//! A pass-through backend that remembers which keys a test wrote, so the harness can delete them
//! afterwards: memcached cannot list, so the suite's own "list, then delete everything" cleanup
//! finds nothing to delete. Every call goes to the real backend unchanged.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use std::time::Duration;

use kivigo_core::layer::{Forward, layered};
use kivigo_core::{Backend, Entry, Error, Result, WriteOp, async_trait};

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
        layered(Recording { inner, keys })
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
    fn remember<'a, T>(&self, result: &Result<T>, keys: impl Iterator<Item = &'a str>) {
        let refused = result.as_ref().is_err_and(Error::was_never_sent);
        if !refused {
            self.keys
                .lock()
                .expect("lock")
                .extend(keys.map(str::to_owned));
        }
    }
}

/// Every call goes to the real backend; only the writes are overridden, to remember their keys.
#[async_trait]
impl Forward for Recording {
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        let result = self.inner.set(key, value, ttl).await;
        self.remember(&result, std::iter::once(key));
        result
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        let result = self.inner.set_if_absent(key, value, ttl).await;
        self.remember(&result, std::iter::once(key));
        result
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        let result = self.inner.compare_and_swap(key, expected, new).await;
        self.remember(&result, std::iter::once(key));
        result
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        let result = self.inner.increment(key, delta).await;
        self.remember(&result, std::iter::once(key));
        result
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        let result = self.inner.batch_set(entries, ttl).await;
        self.remember(&result, entries.iter().map(|(key, _)| key.as_str()));
        result
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        let result = self.inner.batch_write(ops).await;
        self.remember(&result, ops.iter().map(WriteOp::key));
        result
    }
}
