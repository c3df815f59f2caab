//! Batches as loops of single calls, for stores without a multi-key mechanism.
//!
//! A backend calls these on purpose; nothing falls back to them silently. A looped batch is not
//! atomic (report [`Atomicity::None`](crate::Atomicity::None) and `native_batch: false`), and a
//! write loop that fails part-way returns [`Error::PartialBatch`] saying which keys were written.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use super::dedup::{last_op_wins, last_write_wins, unique};
use super::validate;
use crate::{Backend, BatchProgress, Entry, Error, Operation, Result, WriteOp};

/// Attempts a compare-and-swap loop makes before giving up with [`Error::Conflict`].
pub const MAX_CAS_ATTEMPTS: u32 = 1000;

/// `batch_get` as one `get` per distinct key.
pub async fn batch_get<B: Backend + ?Sized>(
    backend: &B,
    keys: &[String],
) -> Result<HashMap<String, Vec<u8>>> {
    validate::check_keys(backend.capabilities(), keys)?;
    let mut found = HashMap::with_capacity(keys.len());
    for key in unique(keys) {
        if let Some(value) = backend.get(key).await? {
            found.insert(key.clone(), value);
        }
    }
    Ok(found)
}

/// `batch_set` as one `set` per distinct key (the last entry of a key wins).
pub async fn batch_set<B: Backend + ?Sized>(
    backend: &B,
    entries: &[Entry],
    ttl: Option<Duration>,
) -> Result<()> {
    validate::check_batch_set(backend.capabilities(), entries, ttl)?;
    let kept = last_write_wins(entries);
    for (index, (key, value)) in kept.iter().enumerate() {
        if let Err(err) = backend.set(key, value, ttl).await {
            let keys = kept.iter().map(|(key, _)| key.as_str());
            return Err(partial(backend, Operation::BatchSet, keys, index, err));
        }
    }
    Ok(())
}

/// `batch_delete` as one `delete` per distinct key, counting those that existed.
pub async fn batch_delete<B: Backend + ?Sized>(backend: &B, keys: &[String]) -> Result<u64> {
    validate::check_keys(backend.capabilities(), keys)?;
    let distinct: Vec<&String> = unique(keys).collect();
    let mut existed = 0;
    for (index, key) in distinct.iter().enumerate() {
        match backend.delete(key).await {
            Ok(true) => existed += 1,
            Ok(false) => {}
            Err(err) => {
                let keys = distinct.iter().map(|key| key.as_str());
                return Err(partial(backend, Operation::BatchDelete, keys, index, err));
            }
        }
    }
    Ok(existed)
}

/// `batch_write` as one `set` or `delete` per distinct key (the last operation of a key wins).
pub async fn batch_write<B: Backend + ?Sized>(backend: &B, ops: &[WriteOp]) -> Result<()> {
    validate::check_ops(backend.capabilities(), ops)?;
    let kept = last_op_wins(ops);
    for (index, op) in kept.iter().enumerate() {
        let done = match op {
            WriteOp::Put { key, value, ttl } => backend.set(key, value, *ttl).await,
            WriteOp::Delete { key } => backend.delete(key).await.map(drop),
        };
        if let Err(err) = done {
            let keys = kept.iter().map(|op| op.key());
            return Err(partial(backend, Operation::BatchWrite, keys, index, err));
        }
    }
    Ok(())
}

/// `list` from `scan` pages of `page` keys: every key once, sorted (for unordered scans too).
pub async fn list_by_scan<B: Backend + ?Sized>(
    backend: &B,
    prefix: &str,
    page: usize,
) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let next = backend.scan(prefix, cursor.as_deref(), page).await?;
        keys.extend(next.keys);
        match next.cursor {
            Some(more) => cursor = Some(more),
            None => break,
        }
    }
    keys.sort_unstable();
    keys.dedup();
    Ok(keys)
}

/// Runs one compare-and-swap `attempt` until it wins, at most [`MAX_CAS_ATTEMPTS`] times.
///
/// An attempt reads the current value with whatever version the store offers (a CAS token, a
/// revision), computes the new one and writes it conditionally; it returns `Some(result)` when
/// the write won and `None` when another writer came first. Losing every attempt gives
/// [`Error::Conflict`] for `key`.
pub async fn retry_cas<T, F, Fut>(key: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    for _ in 0..MAX_CAS_ATTEMPTS {
        if let Some(won) = attempt().await? {
            return Ok(won);
        }
    }
    Err(Error::Conflict {
        key: crate::error::shorten(key),
        attempts: MAX_CAS_ATTEMPTS,
    })
}

/// The error of a write loop that failed at `failed` (an index into `keys`, which hold each key
/// once, in the order they were written).
fn partial<'k, B: Backend + ?Sized>(
    backend: &B,
    operation: Operation,
    keys: impl Iterator<Item = &'k str>,
    failed: usize,
    err: Error,
) -> Error {
    let keys: Vec<String> = keys.map(str::to_owned).collect();
    let never_sent = err.was_never_sent();
    if failed == 0 && (never_sent || keys.len() == 1) {
        // Nothing was applied, or the only key is the failing one: the plain error says it all.
        return err;
    }
    let mut rest = keys.into_iter();
    let written: Vec<String> = rest.by_ref().take(failed).collect();
    let failing: Vec<String> = rest.by_ref().take(1).collect();
    let mut not_written: Vec<String> = rest.collect();
    let unknown = if never_sent {
        not_written.splice(0..0, failing);
        Vec::new()
    } else {
        failing
    };
    Error::PartialBatch {
        backend: backend.capabilities().name,
        operation,
        progress: Box::new(BatchProgress {
            written,
            unknown,
            not_written,
        }),
        source: Box::new(err),
    }
}
