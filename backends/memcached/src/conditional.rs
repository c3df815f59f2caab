//! Conditional writes: set-if-absent as memcached's add mode, compare-and-swap with CAS tokens.
//!
//! memcached compares CAS tokens, not values, so a compare-and-swap reads the value with its
//! token (`mg` with `c` and `v`), compares the bytes here, and writes (`ms`) or deletes (`md`)
//! with that token (`C`): the write lands only if nobody wrote in between. When somebody did, the
//! read starts over (the value may still be the expected one), within
//! [`retry_cas`](kivigo_core::backend::looped::retry_cas)'s bound. An expired item is absent for
//! memcached's reads and adds alike.

use kivigo_core::backend::looped::retry_cas;
use kivigo_core::{Error, Operation, Result};
use memcache::exp::{AsyncMetaClient, Delete, Get, GetResult, Meta, MutationStatus, Set};

use crate::backend::MemcachedBackend;
use crate::error::{BACKEND, from_driver};

const OPERATION: Operation = Operation::CompareAndSwap;

impl MemcachedBackend {
    /// Writes `value` under `key` only if the key is absent (`ms` in add mode), with the exptime
    /// `token` (`None`: persistent); returns whether it was written.
    pub(crate) async fn add(
        &self,
        client: &AsyncMetaClient,
        key: &str,
        value: &[u8],
        token: Option<u32>,
        operation: Operation,
    ) -> Result<bool> {
        let mut add = Set::new(key, value).add();
        if let Some(token) = token {
            add = add.ttl_raw(token);
        }
        let answer = client.run(add).await;
        match answer {
            Ok(result) if result.status == MutationStatus::AlreadyExists => Ok(false),
            answer => self
                .stored(key, value.len(), answer, operation)
                .map(|()| true),
        }
    }

    /// `compare_and_swap` of a checked key and value.
    pub(crate) async fn swap(
        &self,
        client: &AsyncMetaClient,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        let Some(expected) = expected else {
            return match new {
                // The new value is persistent, as every compare-and-swap writes it.
                Some(value) => self.add(client, key, value, None, OPERATION).await,
                None => Ok(!read(client, key, Meta::NONE, false, OPERATION).await?.hit()),
            };
        };
        retry_cas(key, || async move {
            let current = read(client, key, Meta::NONE.cas(), true, OPERATION).await?;
            if !current.hit() || current.value.as_deref().unwrap_or_default() != expected {
                return Ok(Some(false));
            }
            let cas = token(&current, OPERATION)?;
            let status = match new {
                Some(value) => {
                    let write = Set::new(key, value).compare_cas(cas);
                    let answer = client.run(write).await;
                    match answer {
                        Ok(result) => result.status,
                        Err(err) => {
                            return Err(self.driver_error(key, value.len(), err, OPERATION));
                        }
                    }
                }
                None => {
                    client
                        .run(Delete::new(key).compare_cas(cas))
                        .await
                        .map_err(|err| from_driver(err, OPERATION))?
                        .status
                }
            };
            settled(status, true, OPERATION)
        })
        .await
    }
}

/// Reads `key` with `meta` (and its value when `value`), for `operation`.
pub(crate) async fn read(
    client: &AsyncMetaClient,
    key: &str,
    meta: Meta,
    value: bool,
    operation: Operation,
) -> Result<GetResult> {
    let read = Get::new(key).meta(meta);
    let read = if value { read } else { read.without_value() };
    client
        .run(read)
        .await
        .map_err(|err| from_driver(err, operation))
}

/// The CAS token of a hit read with `c`, for `operation`.
pub(crate) fn token(read: &GetResult, operation: Operation) -> Result<u64> {
    read.item
        .cas
        .ok_or_else(|| Error::permanent(BACKEND, operation, "the server sent no CAS token"))
}

/// What the answer to a write guarded by a CAS token means for a
/// [`retry_cas`] attempt: `won` when it landed, `None` (read again) when another writer came
/// first (the token changed, or the key went).
pub(crate) fn settled<T>(
    status: MutationStatus,
    won: T,
    operation: Operation,
) -> Result<Option<T>> {
    match status {
        MutationStatus::Applied => Ok(Some(won)),
        MutationStatus::CasMismatch | MutationStatus::NotFound => Ok(None),
        other => Err(Error::transient(
            BACKEND,
            operation,
            format!("the server refused a write guarded by a CAS token ({other:?})"),
        )),
    }
}
