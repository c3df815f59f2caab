//! How expiry is stored: a deadline per expiring key, and an index of keys by deadline.
//!
//! Values stay in the data tree exactly as kivigo 0.1 wrote them. A key with a TTL also has an
//! entry `key → deadline` in the expiry tree and an entry `deadline ++ key → ()` in the
//! deadline index, which the sweeper walks in the order keys expire. A deadline is
//! nanoseconds since the Unix epoch ([`wall_clock`]), stored as 8 big-endian bytes so that it
//! survives a restart and sorts by time. The three trees only change together, in one sled
//! transaction.

use std::time::Duration;

use kivigo_core::backend::wall_clock;
use kivigo_core::{Error, KeyTtl, Operation, TtlSupport};
use sled::IVec;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use crate::error::corrupt_deadline;

/// sled's expiry: deadlines in nanoseconds of the local wall clock, kept exactly as asked (so a
/// TTL never reads back more than was set); a key is gone within a millisecond of its deadline.
pub(crate) const TTL: TtlSupport =
    TtlSupport::new(Duration::from_millis(1)).with_min(Duration::from_nanos(1));

/// Bytes of an encoded deadline.
const DEADLINE_LEN: usize = 8;

/// What a step of a transaction returns: a kivigo error aborts it.
pub(crate) type TxResult<T> = Result<T, ConflictableTransactionError<Error>>;

/// The deadline of a write made now with `ttl` (`None`: persistent).
pub(crate) fn deadline_after(ttl: Option<Duration>) -> Option<u64> {
    ttl.map(wall_clock::deadline_after)
}

/// The stored bytes of a deadline.
pub(crate) fn encode(deadline: u64) -> [u8; DEADLINE_LEN] {
    deadline.to_be_bytes()
}

/// A deadline read back from the expiry tree.
pub(crate) fn decode(operation: Operation, key: &[u8], bytes: &[u8]) -> Result<u64, Error> {
    let bytes: [u8; DEADLINE_LEN] = bytes
        .try_into()
        .map_err(|_| corrupt_deadline(operation, key))?;
    Ok(u64::from_be_bytes(bytes))
}

/// The deadline index's key for `key` expiring at `deadline`.
pub(crate) fn index_key(deadline: u64, key: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(DEADLINE_LEN + key.len());
    bytes.extend_from_slice(&encode(deadline));
    bytes.extend_from_slice(key);
    bytes
}

/// The deadline and the key of an entry of the deadline index.
pub(crate) fn split_index_key(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (deadline, key) = bytes.split_at_checked(DEADLINE_LEN)?;
    Some((u64::from_be_bytes(deadline.try_into().ok()?), key))
}

/// The TTL a key with this deadline reports at `now` (the key exists).
pub(crate) fn key_ttl(deadline: Option<u64>, now: u64) -> KeyTtl {
    match deadline {
        None => KeyTtl::Persistent,
        Some(deadline) if deadline > now => KeyTtl::Remaining(Duration::from_nanos(deadline - now)),
        Some(_) => KeyTtl::Missing,
    }
}

/// Whether an entry with this deadline is gone at `now`.
pub(crate) fn is_expired(deadline: Option<u64>, now: u64) -> bool {
    deadline.is_some_and(|deadline| deadline <= now)
}

/// The data, expiry and index trees inside one transaction, with the time it runs at.
pub(crate) struct TxTrees<'t> {
    pub data: &'t TransactionalTree,
    pub expiry: &'t TransactionalTree,
    pub index: &'t TransactionalTree,
    pub operation: Operation,
    pub now: u64,
}

impl TxTrees<'_> {
    /// The deadline of `key`, `None` when it is persistent or missing.
    pub fn deadline(&self, key: &[u8]) -> TxResult<Option<u64>> {
        match self.expiry.get(key)? {
            Some(bytes) => Ok(Some(self.decode(key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// The value of `key` unless it is missing or expired, with its deadline.
    pub fn live(&self, key: &[u8]) -> TxResult<Option<(IVec, Option<u64>)>> {
        let Some(value) = self.data.get(key)? else {
            return Ok(None);
        };
        let deadline = self.deadline(key)?;
        Ok((!is_expired(deadline, self.now)).then_some((value, deadline)))
    }

    /// Stores `value` under `key`, expiring at `deadline` (`None`: persistent).
    pub fn put(&self, key: &[u8], value: &[u8], deadline: Option<u64>) -> TxResult<()> {
        self.data.insert(key, value)?;
        self.set_deadline(key, deadline)
    }

    /// Gives `key` a new deadline (`None`: persistent), keeping the index in step.
    pub fn set_deadline(&self, key: &[u8], deadline: Option<u64>) -> TxResult<()> {
        let old = match deadline {
            Some(deadline) => self.expiry.insert(key, &encode(deadline)[..])?,
            None => self.expiry.remove(key)?,
        };
        let old = match old {
            Some(bytes) => Some(self.decode(key, &bytes)?),
            None => None,
        };
        if old == deadline {
            return Ok(());
        }
        if let Some(old) = old {
            self.index.remove(index_key(old, key))?;
        }
        if let Some(deadline) = deadline {
            self.index.insert(index_key(deadline, key), &[][..])?;
        }
        Ok(())
    }

    /// Removes `key` and its expiry. `None` when nothing was stored, otherwise whether the
    /// removed entry was live.
    pub fn remove(&self, key: &[u8]) -> TxResult<Option<bool>> {
        let value = self.data.remove(key)?;
        let deadline = match self.expiry.remove(key)? {
            Some(bytes) => {
                let deadline = self.decode(key, &bytes)?;
                self.index.remove(index_key(deadline, key))?;
                Some(deadline)
            }
            None => None,
        };
        Ok(value.map(|_| !is_expired(deadline, self.now)))
    }

    fn decode(&self, key: &[u8], bytes: &[u8]) -> TxResult<u64> {
        decode(self.operation, key, bytes).map_err(ConflictableTransactionError::Abort)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_sort_by_deadline_then_key() {
        let early = index_key(5, b"zz");
        let late = index_key(256, b"aa");
        assert!(early < late);
        assert_eq!(split_index_key(&late), Some((256, &b"aa"[..])));
        assert_eq!(split_index_key(b"short"), None);
    }

    #[test]
    fn deadlines_round_trip_and_reject_foreign_bytes() {
        let deadline = deadline_after(Some(Duration::from_micros(1500))).expect("deadline");
        assert_eq!(
            decode(Operation::Get, b"k", &encode(deadline)).ok(),
            Some(deadline)
        );
        assert!(decode(Operation::Get, b"k", b"1234").is_err());
        assert_eq!(deadline_after(None), None);
    }

    #[test]
    fn ttl_of_a_deadline() {
        assert_eq!(key_ttl(None, 10), KeyTtl::Persistent);
        assert_eq!(
            key_ttl(Some(15), 10),
            KeyTtl::Remaining(Duration::from_nanos(5))
        );
        assert_eq!(key_ttl(Some(10), 10), KeyTtl::Missing);
        assert!(is_expired(Some(10), 10) && !is_expired(Some(11), 10) && !is_expired(None, 10));
    }
}
