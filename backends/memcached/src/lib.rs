//! [memcached](https://memcached.org) backend for kivigo, over the meta protocol with the
//! [`memcache`](https://docs.rs/memcache) crate's async client (`memcache::exp`).
//!
//! Batches are pipelined: the keys of a chunk go out in one write per server and the answers
//! come back in one read, so a batch of 100 costs about one round trip instead of 100. They are
//! not atomic (memcached has no transactions); a batch write that fails part-way says which keys
//! were written ([`kivigo_core::Error::PartialBatch`]). memcached cannot enumerate its keys, so
//! `list` and `scan` return [`kivigo_core::Error::Unsupported`].
//!
//! Expiry is memcached's own, in whole seconds rounded up; conditional writes use its add mode
//! and CAS tokens; counters are kivigo's signed 64-bit ones, through a compare-and-swap loop.
//!
//! Keys are checked before any I/O against the rules the capabilities report: at most 250 bytes,
//! no space or control character. Values larger than the server's item size limit minus
//! memcached's per-item overhead are refused with [`kivigo_core::Error::ValueTooLarge`].
//!
//! URL: `memcached://HOST[:PORT][,HOST[:PORT]...][?timeout=2s&connect_timeout=1s
//! &max_connections=N&item_size_max=BYTES]`, for example `memcached://127.0.0.1:11211` or,
//! through `kivigo::open` with the generic prefix option, `memcached://cache1,cache2?prefix=app:`.

mod backend;
mod batch;
mod conditional;
mod config;
mod counter;
mod error;
mod expiry;
mod limits;
mod probe;

pub use backend::MemcachedBackend;
pub use config::{DEFAULT_PORT, MemcachedConfig};
pub use limits::{ITEM_OVERHEAD, KEY_RULES, MAX_KEY_BYTES};

/// Opens the store a `memcached://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<MemcachedBackend> {
    MemcachedBackend::open(MemcachedConfig::from_url(url)?).await
}
