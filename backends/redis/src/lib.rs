//! [Redis](https://redis.io) backend for kivigo, on the [redis](https://docs.rs/redis) crate.
//!
//! One multiplexed connection ([`redis::aio::ConnectionManager`]) serves every call and
//! reconnects by itself after the server comes back. Every operation of the contract is native:
//!
//! - `get`, `set` (`SET … PX` with a TTL), `delete`: GET, SET, DEL;
//! - `ttl`, `expire`: PTTL, PEXPIRE, PERSIST (milliseconds, rounded up);
//! - `set_if_absent`: `SET … NX [PX]`; `compare_and_swap`: one Lua script (EVALSHA, EVAL when
//!   the server does not know it) comparing bytes exactly; `increment`: INCRBY;
//! - batches: MGET, MSET and UNLINK of up to 1,000 keys per command (`SET … PX` per key when
//!   the batch has a TTL), and a batch of several commands goes as one MULTI/EXEC, so every
//!   batch — `batch_write` too — is all-or-nothing and costs one round trip;
//! - `scan`: SCAN with MATCH on the escaped prefix, the server's cursor as the page cursor;
//!   pages come in no order and may repeat a key; `list`: the same walk, sorted, each key once.
//!
//! URLs:
//!
//! - `redis://[user[:password]@]host[:port][/db][?options]`
//! - `rediss://...` (TLS; cargo feature `tls`), with option `insecure=true` to accept any
//!   certificate (tests against self-signed servers only)
//! - `redis+unix://[user[:password]@]/path/to/redis.sock[?db=N&options]`
//!
//! Options: `connect_timeout` (default 5s) and `response_timeout` (default 10s), for example
//! `redis://127.0.0.1:6379/2?connect_timeout=500ms`. A key prefix is the facade's generic
//! option (`kivigo::open("redis://…?prefix=app:")`), a [`kivigo_core::layer::Prefix`] layer.

mod backend;
mod commands;
mod config;
mod connection;
mod error;
mod limits;
mod scan;
mod script;

pub use backend::RedisBackend;
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_PORT, DEFAULT_RESPONSE_TIMEOUT, RedisAddress, RedisConfig,
};
pub use limits::{
    CHUNK_BYTES, CHUNK_KEYS, MAX_BULK_SIZE, MAX_TTL, SCAN_COUNT, SCAN_MAX_COUNT,
    SCAN_STEPS_PER_PAGE, TTL_GRANULARITY,
};

/// Connects to the server a `redis://`, `rediss://` or `redis+unix://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<RedisBackend> {
    RedisBackend::open(RedisConfig::from_url(url)?).await
}
