//! Conditional writes and counters on the typed client: set-if-absent, compare-and-swap,
//! read-modify-write updates and increments.

use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use super::Client;
use crate::backend::validate;
use crate::{Codec, Error, Operation, Result};

impl<C: Codec> Client<C> {
    /// Stores `value` under `key` only if the key is absent (or expired), for `ttl` (`None`:
    /// persistently); returns whether it was written. Of many concurrent callers exactly one
    /// wins, which makes it a lock or an idempotency key.
    pub async fn set_if_absent<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<bool> {
        let bytes = self.encode(key, value)?;
        let caps = self.capabilities();
        validate::check_key(caps, key)?;
        validate::check_value(caps, key, &bytes)?;
        validate::check_ttl(caps, Operation::SetIfAbsent, ttl)?;
        self.backend.set_if_absent(key, &bytes, ttl).await
    }

    /// Replaces the value of `key` by `new` only if it currently is `expected`; returns whether
    /// it swapped. `expected: None` means "absent", `new: None` deletes.
    ///
    /// The comparison is on the encoded bytes, so `T` must encode the same value the same way
    /// every time (structs, enums, `BTreeMap` do; a `HashMap` does not). [`Client::update`]
    /// compares the bytes it read and has no such restriction.
    pub async fn compare_and_swap<T: Serialize + ?Sized>(
        &self,
        key: &str,
        expected: Option<&T>,
        new: Option<&T>,
    ) -> Result<bool> {
        let expected = expected.map(|v| self.encode(key, v)).transpose()?;
        let new = new.map(|v| self.encode(key, v)).transpose()?;
        self.compare_and_swap_raw(key, expected.as_deref(), new.as_deref())
            .await
    }

    /// [`Client::compare_and_swap`] on bytes.
    pub async fn compare_and_swap_raw(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        let caps = self.capabilities();
        validate::check_key(caps, key)?;
        if let Some(value) = new {
            validate::check_value(caps, key, value)?;
        }
        self.backend.compare_and_swap(key, expected, new).await
    }

    /// Reads `key`, applies `change` and writes the result back if nobody wrote in between,
    /// trying again otherwise; returns the value written (`None`: the key was deleted or stayed
    /// absent).
    ///
    /// `change` gets the current value (`None`: absent) and returns the new one (`None`:
    /// delete). It may run several times, so it should have no side effects. After
    /// [`Client::with_update_attempts`] lost races (1,000 by default) the update gives up
    /// with [`Error::Conflict`]. The written value is persistent.
    pub async fn update<T, F>(&self, key: &str, mut change: F) -> Result<Option<T>>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(Option<T>) -> Option<T>,
    {
        validate::check_key(self.capabilities(), key)?;
        for _ in 0..self.update_attempts {
            let current = self.backend.get(key).await?;
            let decoded = current
                .as_deref()
                .map(|bytes| self.decode::<T>(key, bytes))
                .transpose()?;
            let next = change(decoded);
            let bytes = next.as_ref().map(|v| self.encode(key, v)).transpose()?;
            if current.is_none() && bytes.is_none() {
                return Ok(None);
            }
            if self
                .compare_and_swap_raw(key, current.as_deref(), bytes.as_deref())
                .await?
            {
                return Ok(next);
            }
        }
        Err(Error::Conflict {
            key: crate::error::shorten(key),
            attempts: self.update_attempts,
        })
    }

    /// Adds `delta` (negative to count down) to the counter at `key` and returns the new value;
    /// a missing key counts as 0. Atomic; an existing TTL is kept.
    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        validate::check_key(self.capabilities(), key)?;
        self.backend.increment(key, delta).await
    }
}
