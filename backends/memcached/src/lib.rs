//! [memcached](https://memcached.org) backend for kivigo, over the meta protocol with the
//! [`memcache`](https://docs.rs/memcache) crate's async client (`memcache::exp`).
//!
//! Batches are pipelined: the keys of a chunk go out in one write per server and the answers
//! come back in one read, so a batch of 100 costs about one round trip instead of 100. They are
//! not atomic (memcached has no transactions). memcached cannot enumerate its keys, so `list`
//! returns [`kivigo_core::Error::Unsupported`].
//!
//! Keys are checked before any I/O: at most 250 bytes *including the prefix*, no space or
//! control character. Values larger than the server's item size limit minus memcached's per-item
//! overhead are refused with [`kivigo_core::Error::ValueTooLarge`].
//!
//! URL: `memcached://HOST[:PORT][,HOST[:PORT]...][?prefix=P&timeout=2s&connect_timeout=1s
//! &max_connections=N&item_size_max=BYTES]`, for example `memcached://127.0.0.1:11211` or
//! `memcached://cache1,cache2?prefix=app:`.

mod backend;
mod config;
mod error;
mod keys;
mod probe;

pub use backend::MemcachedBackend;
pub use config::{DEFAULT_PORT, MemcachedConfig};
pub use keys::{ITEM_OVERHEAD, MAX_KEY_BYTES};

/// Opens the store a `memcached://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<MemcachedBackend> {
    MemcachedBackend::open(MemcachedConfig::from_url(url)?).await
}
