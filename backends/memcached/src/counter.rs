//! `increment`: kivigo's signed 64-bit counters on memcached, whose own arithmetic is unsigned.
//!
//! memcached's `incr`/`decr` (`ma`) count in `u64`, stop at zero, take `+1`, ` 1` or `007` as
//! numbers, and pad a result with fewer digits with spaces (`10` decremented is `"9 "`). So a
//! counter is read with its CAS token and remaining time first and checked as kivigo's canonical
//! decimal text; the new value is written with the token, by `ma` where memcached's arithmetic
//! gives the same bytes (a non-negative counter and a non-negative delta: the result has at least
//! as many digits, and `ma` keeps the exptime exactly), else by `ms` with the remaining time.
//! A write that loses to another writer starts over
//! ([`retry_cas`](kivigo_core::backend::looped::retry_cas)); a missing key is added.

use kivigo_core::backend::counter;
use kivigo_core::backend::looped::retry_cas;
use kivigo_core::{Error, Operation, Result};
use memcache::exp::{Arithmetic, AsyncMetaClient, Meta, Set};

use crate::backend::MemcachedBackend;
use crate::conditional::{read, settled, token};
use crate::error::{BACKEND, from_driver};

const OPERATION: Operation = Operation::Increment;

impl MemcachedBackend {
    /// `increment` of a checked key.
    pub(crate) async fn add_to_counter(
        &self,
        client: &AsyncMetaClient,
        key: &str,
        delta: i64,
    ) -> Result<i64> {
        retry_cas(key, || async move {
            let current = read(client, key, Meta::NONE.cas().ttl(), true, OPERATION).await?;
            if !current.hit() {
                let (value, bytes) = counter::next(key, None, delta)?;
                let added = self.add(client, key, &bytes, None, OPERATION).await?;
                return Ok(added.then_some(value));
            }
            let bytes = current.value.as_deref().unwrap_or_default();
            let old = counter::parse(key, bytes)?;
            let value = counter::add(key, old, delta)?;
            let cas = token(&current, OPERATION)?;
            let status = if old >= 0 && delta >= 0 {
                let add = Arithmetic::new(key)
                    .delta(delta.unsigned_abs())
                    .compare_cas(cas);
                let result = client
                    .run(add)
                    .await
                    .map_err(|err| from_driver(err, OPERATION))?;
                if result.applied() && result.value != u64::try_from(value).ok() {
                    return Err(Error::permanent(
                        BACKEND,
                        OPERATION,
                        format!("memcached counted {:?}, expected {value}", result.value),
                    ));
                }
                result.status
            } else {
                let mut write = Set::new(key, counter::format(value)).compare_cas(cas);
                // Keep the exptime: memcached says how many seconds are left (-1: never).
                if let Some(left) = current.item.ttl.and_then(|t| u64::try_from(t).ok()) {
                    write = write.ttl_raw(self.expiry().keep(key, left));
                }
                client
                    .run(write)
                    .await
                    .map_err(|err| from_driver(err, OPERATION))?
                    .status
            };
            // Gone (deleted or expired) between the read and the write: read again, from 0.
            settled(status, value, OPERATION)
        })
        .await
    }
}
