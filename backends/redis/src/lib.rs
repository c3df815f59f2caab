//! [Redis](https://redis.io) backend for kivigo, on the [redis](https://docs.rs/redis) crate.
//!
//! One multiplexed connection ([`redis::aio::ConnectionManager`]) serves every call and
//! reconnects by itself after the server comes back. `get`, `set` and `delete` are GET, SET and
//! DEL; batches are MGET, MSET and UNLINK of up to 1,000 keys per command, and a batch of
//! several such chunks is sent as one MULTI/EXEC, so every batch is all-or-nothing and costs one
//! round trip. `list` walks the keyspace with SCAN (MATCH on the escaped prefix, COUNT 1,000),
//! never KEYS.
//!
//! URLs:
//!
//! - `redis://[user[:password]@]host[:port][/db][?options]`
//! - `rediss://...` (TLS; cargo feature `tls`), with option `insecure=true` to accept any
//!   certificate (tests against self-signed servers only)
//! - `redis+unix://[user[:password]@]/path/to/redis.sock[?db=N&options]`
//!
//! Options: `prefix` (prepended to every key and stripped from listed keys),
//! `connect_timeout` (default 5s) and `response_timeout` (default 10s), for example
//! `redis://127.0.0.1:6379/2?prefix=app:&connect_timeout=500ms`.

mod backend;
mod config;
mod error;

pub use backend::{CHUNK_BYTES, CHUNK_KEYS, MAX_BULK_SIZE, RedisBackend, SCAN_COUNT};
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_PORT, DEFAULT_RESPONSE_TIMEOUT, RedisAddress, RedisConfig,
};

/// Connects to the server a `redis://`, `rediss://` or `redis+unix://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<RedisBackend> {
    RedisBackend::open(RedisConfig::from_url(url)?).await
}
