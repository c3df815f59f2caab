//! Layers: behaviour written once for every store (a prefix, retries, timeouts, tracing...).
//!
//! A [`Layer`] takes a backend and returns a backend that wraps it. A wrapper implements
//! [`Forward`], whose every method forwards to the inner backend by default, so a layer writes
//! only what it changes — and a batch it does not touch reaches the store as the same batch,
//! never as a loop of single calls. [`Layered`] turns a `Forward` into a [`Backend`].
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::time::Duration;
//! use kivigo_core::layer::{Forward, Layer, layered};
//! use kivigo_core::{Backend, Client, MemoryBackend, Result, async_trait};
//!
//! /// Counts the values written, single or batched.
//! #[derive(Debug)]
//! struct CountWrites {
//!     inner: Arc<dyn Backend>,
//!     written: Arc<AtomicU64>,
//! }
//!
//! #[async_trait]
//! impl Forward for CountWrites {
//!     fn inner(&self) -> &dyn Backend {
//!         &*self.inner
//!     }
//!
//!     async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
//!         self.inner.set(key, value, ttl).await?;
//!         self.written.fetch_add(1, Ordering::Relaxed);
//!         Ok(())
//!     }
//!
//!     async fn batch_set(
//!         &self,
//!         entries: &[kivigo_core::Entry],
//!         ttl: Option<Duration>,
//!     ) -> Result<()> {
//!         self.inner.batch_set(entries, ttl).await?;
//!         self.written.fetch_add(entries.len() as u64, Ordering::Relaxed);
//!         Ok(())
//!     }
//! }
//!
//! struct CountWritesLayer(Arc<AtomicU64>);
//!
//! impl Layer for CountWritesLayer {
//!     fn layer(&self, inner: Arc<dyn Backend>) -> Result<Arc<dyn Backend>> {
//!         Ok(layered(CountWrites { inner, written: self.0.clone() }))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<()> {
//! let written = Arc::new(AtomicU64::new(0));
//! let client = Client::new(MemoryBackend::new()).layer(CountWritesLayer(written.clone()))?;
//! client.set("a", &1).await?;
//! client.batch_set([("b", &2), ("c", &3)]).await?;
//! assert_eq!(written.load(Ordering::Relaxed), 3);
//! # Ok(())
//! # }
//! ```

mod forward;
mod namespace;

use std::sync::Arc;

pub use forward::{Forward, Layered, layered};
pub use namespace::{Namespace, Prefix};

use crate::{Backend, Result};

/// Something that wraps a backend in another, adding behaviour.
///
/// `layer` may refuse with an error when it cannot wrap this backend (a prefix longer than the
/// store's key limit...). Any `Fn(Arc<dyn Backend>) -> Result<Arc<dyn Backend>>` is a layer.
pub trait Layer: Send + Sync {
    /// Wraps `inner`.
    fn layer(&self, inner: Arc<dyn Backend>) -> Result<Arc<dyn Backend>>;
}

impl<F> Layer for F
where
    F: Fn(Arc<dyn Backend>) -> Result<Arc<dyn Backend>> + Send + Sync,
{
    fn layer(&self, inner: Arc<dyn Backend>) -> Result<Arc<dyn Backend>> {
        self(inner)
    }
}

/// Applies `layers` in order: the first one wraps the store, the last one is outermost (what
/// callers reach first).
pub fn stack(
    store: Arc<dyn Backend>,
    layers: impl IntoIterator<Item = Box<dyn Layer>>,
) -> Result<Arc<dyn Backend>> {
    layers
        .into_iter()
        .try_fold(store, |inner, layer| layer.layer(inner))
}
