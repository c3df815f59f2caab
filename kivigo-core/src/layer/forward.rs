//! The forwarding base of every layer: each method goes to the inner backend unless overridden.

use std::collections::HashMap;
use std::fmt::Debug;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::{Backend, Capabilities, Entry, KeyTtl, Result, ScanPage, WriteOp};

/// A wrapper around another backend that forwards every operation it does not override.
///
/// Implement [`Forward::inner`] and the methods the wrapper changes; wrap the value in
/// [`Layered`] (or call [`layered`]) to get a [`Backend`]. Batch methods forward as batches,
/// so a layer can never turn one batch into a loop of single calls by forgetting a method.
///
/// A wrapper that must see every call — one that rewrites keys or values — should put
/// `#[deny(clippy::missing_trait_methods)]` on its `impl Forward`, so that a method added to
/// the contract later is a compile error there rather than a silent pass-through (the
/// [`Namespace`](super::Namespace) does).
#[async_trait]
pub trait Forward: Send + Sync + Debug {
    /// The wrapped backend.
    fn inner(&self) -> &dyn Backend;

    /// Forwards [`Backend::capabilities`].
    fn capabilities(&self) -> &Capabilities {
        self.inner().capabilities()
    }

    /// Forwards [`Backend::get`].
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.inner().get(key).await
    }

    /// Forwards [`Backend::set`].
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        self.inner().set(key, value, ttl).await
    }

    /// Forwards [`Backend::delete`].
    async fn delete(&self, key: &str) -> Result<bool> {
        self.inner().delete(key).await
    }

    /// Forwards [`Backend::ttl`].
    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        self.inner().ttl(key).await
    }

    /// Forwards [`Backend::expire`].
    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        self.inner().expire(key, ttl).await
    }

    /// Forwards [`Backend::set_if_absent`].
    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        self.inner().set_if_absent(key, value, ttl).await
    }

    /// Forwards [`Backend::compare_and_swap`].
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        self.inner().compare_and_swap(key, expected, new).await
    }

    /// Forwards [`Backend::increment`].
    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        self.inner().increment(key, delta).await
    }

    /// Forwards [`Backend::list`].
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.inner().list(prefix).await
    }

    /// Forwards [`Backend::scan`].
    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        self.inner().scan(prefix, cursor, limit).await
    }

    /// Forwards [`Backend::batch_get`].
    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        self.inner().batch_get(keys).await
    }

    /// Forwards [`Backend::batch_set`].
    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        self.inner().batch_set(entries, ttl).await
    }

    /// Forwards [`Backend::batch_delete`].
    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        self.inner().batch_delete(keys).await
    }

    /// Forwards [`Backend::batch_write`].
    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        self.inner().batch_write(ops).await
    }

    /// Forwards [`Backend::health`].
    async fn health(&self) -> Result<()> {
        self.inner().health().await
    }

    /// Forwards [`Backend::close`].
    async fn close(&self) -> Result<()> {
        self.inner().close().await
    }
}

/// A [`Forward`] wrapper seen as a [`Backend`]. It dereferences to the wrapper, so a layer's
/// own methods (statistics, settings) stay reachable.
#[derive(Debug)]
pub struct Layered<W>(pub W);

/// `wrapper` as a shared backend, ready to be wrapped again or put in a client.
pub fn layered<W: Forward + 'static>(wrapper: W) -> Arc<dyn Backend> {
    Arc::new(Layered(wrapper))
}

impl<W> Deref for Layered<W> {
    type Target = W;

    fn deref(&self) -> &W {
        &self.0
    }
}

// Every method is listed here by hand: a method added to `Backend` fails to compile until
// `Forward` has it too, so no layer can miss it.
#[async_trait]
impl<W: Forward> Backend for Layered<W> {
    fn capabilities(&self) -> &Capabilities {
        Forward::capabilities(&self.0)
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Forward::get(&self.0, key).await
    }
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        Forward::set(&self.0, key, value, ttl).await
    }
    async fn delete(&self, key: &str) -> Result<bool> {
        Forward::delete(&self.0, key).await
    }
    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        Forward::ttl(&self.0, key).await
    }
    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        Forward::expire(&self.0, key, ttl).await
    }
    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        Forward::set_if_absent(&self.0, key, value, ttl).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        Forward::compare_and_swap(&self.0, key, expected, new).await
    }
    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        Forward::increment(&self.0, key, delta).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        Forward::list(&self.0, prefix).await
    }
    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        Forward::scan(&self.0, prefix, cursor, limit).await
    }
    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        Forward::batch_get(&self.0, keys).await
    }
    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        Forward::batch_set(&self.0, entries, ttl).await
    }
    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        Forward::batch_delete(&self.0, keys).await
    }
    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        Forward::batch_write(&self.0, ops).await
    }
    async fn health(&self) -> Result<()> {
        Forward::health(&self.0).await
    }
    async fn close(&self) -> Result<()> {
        Forward::close(&self.0).await
    }
}
