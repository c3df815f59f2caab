//! The typed client applications use: serde values in, serde values out.

mod batch;
mod conditional;
mod expiry;
mod single_flight;
mod stream;

use std::sync::Arc;
use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use crate::backend::{looped::MAX_CAS_ATTEMPTS, validate};
use crate::layer::{Layer, Namespace, layered};
use crate::{Backend, Capabilities, Codec, Error, Json, Result};

pub use stream::DEFAULT_PAGE_SIZE;

/// A typed handle on a store.
///
/// It wraps an `Arc<dyn Backend>` and a [`Codec`] (JSON unless you pick another), checks keys
/// before any I/O, and names the key in every encode or decode error. Cloning is cheap and clones
/// share the connection.
///
/// ```
/// use kivigo_core::{Client, MemoryBackend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kivigo_core::Result<()> {
/// let client = Client::new(MemoryBackend::new());
/// client.set("answer", &42_u32).await?;
/// assert_eq!(client.get::<u32>("answer").await?, Some(42));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client<C: Codec = Json> {
    backend: Arc<dyn Backend>,
    codec: C,
    update_attempts: u32,
}

impl Client<Json> {
    /// A JSON client over `backend`.
    pub fn new(backend: impl Backend + 'static) -> Self {
        Self::from_arc(Arc::new(backend))
    }

    /// A JSON client over a shared backend.
    pub fn from_arc(backend: Arc<dyn Backend>) -> Self {
        Self::with_codec(backend, Json)
    }
}

impl<C: Codec> Client<C> {
    /// A client over a shared backend that stores values with `codec`.
    pub fn with_codec(backend: Arc<dyn Backend>, codec: C) -> Self {
        Self {
            backend,
            codec,
            update_attempts: MAX_CAS_ATTEMPTS,
        }
    }

    /// The same store, seen through another codec.
    pub fn recode<D: Codec>(&self, codec: D) -> Client<D> {
        Client::with_codec(self.backend.clone(), codec).with_update_attempts(self.update_attempts)
    }

    /// The same store wrapped in `layer` (see [`crate::layer`]). The new client owns the
    /// layered store: closing it closes the store.
    pub fn layer(&self, layer: impl Layer) -> Result<Client<C>> {
        let backend = layer.layer(self.backend.clone())?;
        Ok(Client::with_codec(backend, self.codec.clone())
            .with_update_attempts(self.update_attempts))
    }

    /// A client for the keys under `prefix` only, sharing this client's backend and codec
    /// (see [`Namespace`]). Closing it closes the view, not the shared store.
    pub fn namespace(&self, prefix: impl Into<String>) -> Result<Client<C>> {
        let view = layered(Namespace::new(self.backend.clone(), prefix)?);
        Ok(Client::with_codec(view, self.codec.clone()).with_update_attempts(self.update_attempts))
    }

    /// How many compare-and-swap attempts [`Client::update`] makes before it gives up with
    /// [`Error::Conflict`] (default 1,000; at least 1).
    pub fn with_update_attempts(mut self, attempts: u32) -> Self {
        self.update_attempts = attempts.max(1);
        self
    }

    /// The backend underneath, for raw byte access or to share it.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// What the backend can do and its limits.
    pub fn capabilities(&self) -> &Capabilities {
        self.backend.capabilities()
    }

    /// The value of `key` decoded as `T`, or `None` when the key is absent or expired.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.get_raw(key).await? {
            Some(bytes) => self.decode(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Encodes `value` and stores it under `key`, persistently (an earlier TTL is cleared).
    pub async fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let bytes = self.encode(key, value)?;
        self.set_raw(key, &bytes, None).await
    }

    /// Encodes `value` and stores it under `key` for `ttl`.
    pub async fn set_with_ttl<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<()> {
        let bytes = self.encode(key, value)?;
        self.set_raw(key, &bytes, Some(ttl)).await
    }

    /// Removes `key`; returns whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(self.capabilities(), key)?;
        self.backend.delete(key).await
    }

    /// Whether `key` exists.
    pub async fn has_key(&self, key: &str) -> Result<bool> {
        Ok(self.get_raw(key).await?.is_some())
    }

    /// Every key starting with `prefix` (literal, case-sensitive), sorted ascending. For large
    /// keyspaces, [`Client::keys`] streams them page by page instead.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.backend.list(prefix).await
    }

    /// One round trip to the store.
    pub async fn health(&self) -> Result<()> {
        self.backend.health().await
    }

    /// Closes the backend for every clone of this client. Idempotent.
    pub async fn close(&self) -> Result<()> {
        self.backend.close().await
    }

    /// The stored bytes of `key`, without decoding.
    pub async fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(self.capabilities(), key)?;
        self.backend.get(key).await
    }

    /// Stores bytes under `key`, without encoding, for `ttl` (`None`: persistently).
    pub async fn set_raw(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        let caps = self.capabilities();
        validate::check_key(caps, key)?;
        validate::check_value(caps, key, value)?;
        validate::check_ttl(caps, crate::Operation::Set, ttl)?;
        self.backend.set(key, value, ttl).await
    }

    /// Encodes `value` with this client's codec, naming `key` in the error.
    pub fn encode<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<Vec<u8>> {
        self.codec.encode(value).map_err(|source| Error::Encode {
            key: crate::error::shorten(key),
            codec: C::NAME,
            source,
        })
    }

    /// Decodes bytes read from `key` with this client's codec.
    pub fn decode<T: DeserializeOwned>(&self, key: &str, bytes: &[u8]) -> Result<T> {
        self.codec.decode(bytes).map_err(|source| Error::Decode {
            key: crate::error::shorten(key),
            codec: C::NAME,
            source,
        })
    }
}
