//! # kivigo
//!
//! One async API over many key-value stores, with real batch operations on every one of them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> kivigo::Result<()> {
//! let store = kivigo::open("memory://").await?;
//! store.set("user:1", &"Ada").await?;
//! store
//!     .batch_set([("user:2", &"Grace"), ("user:3", &"Barbara")])
//!     .await?;
//! let users: std::collections::HashMap<String, String> =
//!     store.batch_get(["user:1", "user:2", "user:9"]).await?;
//! assert_eq!(users.len(), 2); // user:9 is missing, so it is left out
//! assert_eq!(store.list("user:").await?, ["user:1", "user:2", "user:3"]);
//! # Ok(())
//! # }
//! ```
//!
//! Pick a store with a URL ([`open`]) or a serde [`Config`]; enable backends with cargo
//! features (`sled` is on by default). Every backend passes the same conformance suite, so
//! swapping one for another changes one string. The documentation book in `docs/` covers the
//! contract, batches, each backend and the benchmarks.

mod config;
mod generic;
mod open;
mod registry;

pub use config::{Config, OptionValue};
#[cfg(feature = "msgpack")]
pub use kivigo_core::MsgPack;
pub use kivigo_core::{
    Atomicity, Backend, BackendUrl, BatchProgress, BoxError, Capabilities, Client, Codec,
    DEFAULT_PAGE_SIZE, Entry, Error, Json, KeyRules, KeyTtl, MemoryBackend, Operation, Result,
    ScanOrder, ScanPage, TtlSupport, WriteOp, async_trait, backend, layer,
};
pub use open::{open, open_backend, schemes};

/// The etcd backend crate, to open it with a typed [`kivigo_etcd::EtcdConfig`].
#[cfg(feature = "etcd")]
pub use kivigo_etcd as etcd;
/// The sled backend crate, to open it with a typed [`kivigo_sled::SledConfig`].
#[cfg(feature = "sled")]
pub use kivigo_sled as sled;

/// The memcached backend crate, to open it with a typed [`kivigo_memcached::MemcachedConfig`].
#[cfg(feature = "memcached")]
pub use kivigo_memcached as memcached;
/// The MongoDB backend crate, to open it with a typed [`kivigo_mongodb::MongoConfig`].
#[cfg(feature = "mongodb")]
pub use kivigo_mongodb as mongodb;
/// The Redis backend crate, to open it with a typed [`kivigo_redis::RedisConfig`].
#[cfg(feature = "redis")]
pub use kivigo_redis as redis;
/// The SQL backends crate (PostgreSQL, MySQL/MariaDB, SQLite), to open it with a typed
/// [`kivigo_sql::SqlConfig`].
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
pub use kivigo_sql as sql;

/// Every Rust block of the book and the README, compiled and run by `cargo test --all-features`
/// (the pages use every backend and codec, so they are checked when all of them are built).
#[cfg(all(
    doctest,
    feature = "msgpack",
    feature = "sled",
    feature = "redis",
    feature = "postgres",
    feature = "mysql",
    feature = "sqlite",
    feature = "mongodb",
    feature = "etcd",
    feature = "memcached"
))]
mod book {
    macro_rules! pages {
        ($($name:ident => $path:literal),* $(,)?) => {
            $(
                #[doc = include_str!($path)]
                pub struct $name;
            )*
        };
    }

    pages! {
        Readme => "../README.md",
        Introduction => "../docs/src/introduction.md",
        GettingStarted => "../docs/src/getting-started.md",
        Concepts => "../docs/src/concepts.md",
        BatchOperations => "../docs/src/batch-operations.md",
        ExpiryConditionalWrites => "../docs/src/expiry-conditional-writes.md",
        Layers => "../docs/src/layers.md",
        CustomBackends => "../docs/src/custom-backends.md",
        Sled => "../docs/src/backends/sled.md",
        Memcached => "../docs/src/backends/memcached.md",
        Redis => "../docs/src/backends/redis.md",
        Etcd => "../docs/src/backends/etcd.md",
        Mongodb => "../docs/src/backends/mongodb.md",
        Sql => "../docs/src/backends/sql.md",
        Benchmarks => "../docs/src/benchmarks.md",
    }
}
