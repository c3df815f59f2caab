//! The typed client applications use: serde values in, serde values out.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Serialize, de::DeserializeOwned};

use crate::{Backend, Capabilities, Codec, Entry, Error, Json, Result, validate};

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
}

impl Client<Json> {
    /// A JSON client over `backend`.
    pub fn new(backend: impl Backend + 'static) -> Self {
        Self::from_arc(Arc::new(backend))
    }

    /// A JSON client over a shared backend.
    pub fn from_arc(backend: Arc<dyn Backend>) -> Self {
        Self {
            backend,
            codec: Json,
        }
    }
}

impl<C: Codec> Client<C> {
    /// A client over a shared backend that stores values with `codec`.
    pub fn with_codec(backend: Arc<dyn Backend>, codec: C) -> Self {
        Self { backend, codec }
    }

    /// The same store, seen through another codec.
    pub fn recode<D: Codec>(&self, codec: D) -> Client<D> {
        Client::with_codec(self.backend.clone(), codec)
    }

    /// A client for the keys under `prefix` only, sharing this client's backend and codec
    /// (see [`Namespace`](crate::Namespace)).
    pub fn namespace(&self, prefix: impl Into<String>) -> Result<Client<C>> {
        let view = crate::Namespace::new(self.backend.clone(), prefix)?;
        Ok(Client::with_codec(Arc::new(view), self.codec.clone()))
    }

    /// The backend underneath, for raw byte access or to share it.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// What the backend can do and its limits.
    pub fn capabilities(&self) -> &Capabilities {
        self.backend.capabilities()
    }

    /// The value of `key` decoded as `T`, or `None` when the key is absent.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.get_raw(key).await? {
            Some(bytes) => self.decode(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Encodes `value` and stores it under `key`.
    pub async fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let bytes = self.encode(key, value)?;
        self.set_raw(key, &bytes).await
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

    /// Every key starting with `prefix` (literal, case-sensitive), sorted ascending.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.backend.list(prefix).await
    }

    /// The values of the keys that exist, decoded as `T`; missing keys are left out.
    pub async fn batch_get<T, I, K>(&self, keys: I) -> Result<HashMap<String, T>>
    where
        T: DeserializeOwned,
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.batch_get_raw(keys)
            .await?
            .into_iter()
            .map(|(key, bytes)| {
                let value = self.decode(&key, &bytes)?;
                Ok((key, value))
            })
            .collect()
    }

    /// Encodes and stores every `(key, &value)` pair in one batch. Nothing is written if a key
    /// is invalid or a value does not encode.
    pub async fn batch_set<'v, T, I, K>(&self, entries: I) -> Result<()>
    where
        T: Serialize + ?Sized + 'v,
        I: IntoIterator<Item = (K, &'v T)>,
        K: Into<String>,
    {
        let entries = entries
            .into_iter()
            .map(|(key, value)| {
                let key = key.into();
                let bytes = self.encode(&key, value)?;
                Ok((key, bytes))
            })
            .collect::<Result<Vec<Entry>>>()?;
        self.batch_set_raw(&entries).await
    }

    /// Removes every key; returns how many existed.
    pub async fn batch_delete<I, K>(&self, keys: I) -> Result<u64>
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        if keys.is_empty() {
            return Ok(0);
        }
        validate::check_keys(self.capabilities(), &keys)?;
        self.backend.batch_delete(&keys).await
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

    /// Stores bytes under `key`, without encoding.
    pub async fn set_raw(&self, key: &str, value: &[u8]) -> Result<()> {
        validate::check_key(self.capabilities(), key)?;
        validate::check_value(self.capabilities(), key, value)?;
        self.backend.set(key, value).await
    }

    /// The stored bytes of the keys that exist.
    pub async fn batch_get_raw<I, K>(&self, keys: I) -> Result<HashMap<String, Vec<u8>>>
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        validate::check_keys(self.capabilities(), &keys)?;
        self.backend.batch_get(&keys).await
    }

    /// Stores raw entries in one batch.
    pub async fn batch_set_raw(&self, entries: &[Entry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        validate::check_entries(self.capabilities(), entries)?;
        self.backend.batch_set(entries).await
    }

    fn encode<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<Vec<u8>> {
        self.codec.encode(value).map_err(|source| Error::Encode {
            key: key.to_owned(),
            codec: C::NAME,
            source,
        })
    }

    fn decode<T: DeserializeOwned>(&self, key: &str, bytes: &[u8]) -> Result<T> {
        self.codec.decode(bytes).map_err(|source| Error::Decode {
            key: key.to_owned(),
            codec: C::NAME,
            source,
        })
    }
}
