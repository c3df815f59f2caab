//! The `Backend` trait: the small, byte-level contract every store implements.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::{Capabilities, Entry, KeyTtl, Result, ScanPage, WriteOp};

/// A key-value store, seen as bytes.
///
/// Keys are non-empty UTF-8 strings, values are any bytes (empty allowed). The trait is
/// object-safe: applications hold an `Arc<dyn Backend>`, usually inside a [`crate::Client`].
/// The contract each method must meet is checked by the conformance suite
/// (`kivigo-core` feature `conformance`); the table is in the "Core concepts" chapter of the docs.
///
/// No method has a default body: every backend implements each operation on purpose, with its
/// store's own mechanism, or says that it cannot — reporting it in [`Capabilities`] and
/// returning [`crate::Error::Unsupported`]. Loops of single calls, for stores without a
/// multi-key mechanism, are explicit helpers in [`crate::backend::looped`]. Layers wrap a backend
/// through [`crate::layer::Forward`], which forwards whatever a layer does not change.
///
/// A TTL of `None` means "persistent": a write without a TTL clears an earlier one. A zero TTL
/// is an [`crate::Error::InvalidArgument`].
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// What this backend can do and its limits.
    fn capabilities(&self) -> &Capabilities;

    /// The value of `key`, or `None` when it is absent or expired (never an error).
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key`, replacing any earlier value. With `ttl` the key expires after
    /// that time; without it the key is persistent, even if it had a TTL before.
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()>;

    /// Removes `key`; returns whether it existed. Deleting a missing key is `Ok(false)`.
    async fn delete(&self, key: &str) -> Result<bool>;

    /// The time-to-live of `key`: missing, persistent, or the time left (never more than what
    /// was set).
    async fn ttl(&self, key: &str) -> Result<KeyTtl>;

    /// Gives an existing key a new TTL (`Some`) or makes it persistent (`None`); returns whether
    /// the key existed. A missing key stays missing.
    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool>;

    /// Stores `value` under `key` only if the key is absent (an expired key counts as absent);
    /// returns whether it was written. Atomic: of many concurrent callers, exactly one wins.
    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool>;

    /// Replaces the value of `key` by `new` only if it is currently `expected`, comparing bytes
    /// exactly; returns whether it swapped. `expected: None` means "the key must be absent"
    /// (an expired key is absent), `new: None` deletes the key. The new value is persistent.
    /// Atomic against every other writer.
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool>;

    /// Adds `delta` to the counter at `key` and returns the new value. The value is the decimal
    /// ASCII text of an `i64` (what Redis INCRBY and JSON use); a missing key counts as 0. A
    /// value that is not such a number is [`crate::Error::NotANumber`], a result outside `i64`
    /// is [`crate::Error::Overflow`]; neither changes the value. Atomic. An existing TTL is kept.
    async fn increment(&self, key: &str, delta: i64) -> Result<i64>;

    /// Every key that starts with `prefix`, sorted ascending by bytes, without duplicates.
    ///
    /// The prefix is literal (`%`, `_`, `*`, `?`, `[` ... match only themselves) and
    /// case-sensitive; `""` lists every key. This holds the whole answer in memory: use
    /// [`Backend::scan`] for large keyspaces.
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;

    /// One page of at most `limit` keys starting with `prefix` (literal, case-sensitive), from
    /// `cursor` (`None`: the beginning). The page's cursor resumes the scan, even from another
    /// process; memory use is bounded by the page, not the keyspace. See
    /// [`Capabilities::scan`] for the order and whether a key may repeat. A `limit` of 0 is an
    /// [`crate::Error::InvalidArgument`].
    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage>;

    /// The values of the keys that exist; missing keys are absent from the map. Duplicated keys
    /// are fine, and an empty slice returns an empty map without touching the store.
    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>>;

    /// Stores every entry, all with the same `ttl` (`None`: persistent). When a key appears
    /// twice, the last entry wins. An empty slice does nothing. See
    /// [`Capabilities::atomic_batch`] for what happens when a batch fails halfway.
    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()>;

    /// Removes every key; returns how many of them existed. Missing keys are not errors and a
    /// key named twice counts once. An empty slice returns `Ok(0)` without touching the store.
    async fn batch_delete(&self, keys: &[String]) -> Result<u64>;

    /// Applies puts and deletes in one call, with the same atomicity as `batch_set`. When a key
    /// appears in several operations, the last one wins. An empty slice does nothing.
    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()>;

    /// One real round trip to the store (PING, `SELECT 1`, a read of the tree...).
    async fn health(&self) -> Result<()>;

    /// Releases the connection or files. Idempotent; every later call returns
    /// [`crate::Error::Closed`].
    async fn close(&self) -> Result<()>;
}

/// The future every `Backend` method returns, as `async_trait` spells it.
type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Forwards every method to the pointee. `Arc<dyn Backend>` is itself a `Backend`.
///
/// The methods hand back the pointee's own future instead of wrapping it in another one (which
/// `#[async_trait]` would do), so a call through an `Arc` costs what a call on the backend costs.
macro_rules! forward_smart_pointer {
    ($pointer:ident) => {
        impl<B: Backend + ?Sized> Backend for $pointer<B> {
            fn capabilities(&self) -> &Capabilities {
                (**self).capabilities()
            }
            fn get<'s, 'k, 'f>(&'s self, key: &'k str) -> Call<'f, Option<Vec<u8>>>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).get(key)
            }
            fn set<'s, 'k, 'v, 'f>(
                &'s self,
                key: &'k str,
                value: &'v [u8],
                ttl: Option<Duration>,
            ) -> Call<'f, ()>
            where
                's: 'f,
                'k: 'f,
                'v: 'f,
                Self: 'f,
            {
                (**self).set(key, value, ttl)
            }
            fn delete<'s, 'k, 'f>(&'s self, key: &'k str) -> Call<'f, bool>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).delete(key)
            }
            fn ttl<'s, 'k, 'f>(&'s self, key: &'k str) -> Call<'f, KeyTtl>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).ttl(key)
            }
            fn expire<'s, 'k, 'f>(&'s self, key: &'k str, ttl: Option<Duration>) -> Call<'f, bool>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).expire(key, ttl)
            }
            fn set_if_absent<'s, 'k, 'v, 'f>(
                &'s self,
                key: &'k str,
                value: &'v [u8],
                ttl: Option<Duration>,
            ) -> Call<'f, bool>
            where
                's: 'f,
                'k: 'f,
                'v: 'f,
                Self: 'f,
            {
                (**self).set_if_absent(key, value, ttl)
            }
            fn compare_and_swap<'s, 'k, 'e, 'n, 'f>(
                &'s self,
                key: &'k str,
                expected: Option<&'e [u8]>,
                new: Option<&'n [u8]>,
            ) -> Call<'f, bool>
            where
                's: 'f,
                'k: 'f,
                'e: 'f,
                'n: 'f,
                Self: 'f,
            {
                (**self).compare_and_swap(key, expected, new)
            }
            fn increment<'s, 'k, 'f>(&'s self, key: &'k str, delta: i64) -> Call<'f, i64>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).increment(key, delta)
            }
            fn list<'s, 'p, 'f>(&'s self, prefix: &'p str) -> Call<'f, Vec<String>>
            where
                's: 'f,
                'p: 'f,
                Self: 'f,
            {
                (**self).list(prefix)
            }
            fn scan<'s, 'p, 'c, 'f>(
                &'s self,
                prefix: &'p str,
                cursor: Option<&'c str>,
                limit: usize,
            ) -> Call<'f, ScanPage>
            where
                's: 'f,
                'p: 'f,
                'c: 'f,
                Self: 'f,
            {
                (**self).scan(prefix, cursor, limit)
            }
            fn batch_get<'s, 'k, 'f>(
                &'s self,
                keys: &'k [String],
            ) -> Call<'f, HashMap<String, Vec<u8>>>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).batch_get(keys)
            }
            fn batch_set<'s, 'e, 'f>(
                &'s self,
                entries: &'e [Entry],
                ttl: Option<Duration>,
            ) -> Call<'f, ()>
            where
                's: 'f,
                'e: 'f,
                Self: 'f,
            {
                (**self).batch_set(entries, ttl)
            }
            fn batch_delete<'s, 'k, 'f>(&'s self, keys: &'k [String]) -> Call<'f, u64>
            where
                's: 'f,
                'k: 'f,
                Self: 'f,
            {
                (**self).batch_delete(keys)
            }
            fn batch_write<'s, 'o, 'f>(&'s self, ops: &'o [WriteOp]) -> Call<'f, ()>
            where
                's: 'f,
                'o: 'f,
                Self: 'f,
            {
                (**self).batch_write(ops)
            }
            fn health<'s, 'f>(&'s self) -> Call<'f, ()>
            where
                's: 'f,
                Self: 'f,
            {
                (**self).health()
            }
            fn close<'s, 'f>(&'s self) -> Call<'f, ()>
            where
                's: 'f,
                Self: 'f,
            {
                (**self).close()
            }
        }
    };
}

forward_smart_pointer!(Arc);
forward_smart_pointer!(Box);
