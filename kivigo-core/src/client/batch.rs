//! Batches on the typed client: typed reads and writes of many keys in one call.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use super::Client;
use crate::backend::validate;
use crate::{Codec, Entry, Result, WriteOp};

impl<C: Codec> Client<C> {
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

    /// The values of `keys` in the order asked, `None` for those that are missing: one batch
    /// read, however many keys.
    pub async fn get_many<T, I, K>(&self, keys: I) -> Result<Vec<Option<T>>>
    where
        T: DeserializeOwned,
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        let found = self.batch_get_raw(keys.iter().cloned()).await?;
        keys.iter()
            .map(|key| match found.get(key) {
                Some(bytes) => self.decode(key, bytes).map(Some),
                None => Ok(None),
            })
            .collect()
    }

    /// Whether each of `keys` exists, in the order asked: one batch read.
    pub async fn exists_many<I, K>(&self, keys: I) -> Result<Vec<bool>>
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        let found = self.batch_get_raw(keys.iter().cloned()).await?;
        Ok(keys.iter().map(|key| found.contains_key(key)).collect())
    }

    /// Encodes and stores every `(key, &value)` pair in one batch, persistently. Nothing is
    /// written if a key is invalid or a value does not encode.
    pub async fn batch_set<'v, T, I, K>(&self, entries: I) -> Result<()>
    where
        T: Serialize + ?Sized + 'v,
        I: IntoIterator<Item = (K, &'v T)>,
        K: Into<String>,
    {
        let entries = self.encode_entries(entries)?;
        self.batch_set_raw(&entries, None).await
    }

    /// Encodes and stores every `(key, &value)` pair in one batch, all expiring after `ttl`.
    pub async fn batch_set_with_ttl<'v, T, I, K>(&self, entries: I, ttl: Duration) -> Result<()>
    where
        T: Serialize + ?Sized + 'v,
        I: IntoIterator<Item = (K, &'v T)>,
        K: Into<String>,
    {
        let entries = self.encode_entries(entries)?;
        self.batch_set_raw(&entries, Some(ttl)).await
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

    /// Applies puts and deletes in one call (see [`crate::Backend::batch_write`]); build the puts
    /// with [`Client::put_op`] to encode typed values.
    pub async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        validate::check_ops(self.capabilities(), ops)?;
        self.backend.batch_write(ops).await
    }

    /// A persistent put of `value` for [`Client::batch_write`], encoded with this client's codec.
    pub fn put_op<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<WriteOp> {
        Ok(WriteOp::put(key, self.encode(key, value)?))
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

    /// Stores raw entries in one batch, for `ttl` (`None`: persistently).
    pub async fn batch_set_raw(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        validate::check_batch_set(self.capabilities(), entries, ttl)?;
        self.backend.batch_set(entries, ttl).await
    }

    fn encode_entries<'v, T, I, K>(&self, entries: I) -> Result<Vec<Entry>>
    where
        T: Serialize + ?Sized + 'v,
        I: IntoIterator<Item = (K, &'v T)>,
        K: Into<String>,
    {
        entries
            .into_iter()
            .map(|(key, value)| {
                let key = key.into();
                let bytes = self.encode(&key, value)?;
                Ok((key, bytes))
            })
            .collect()
    }
}
