//! [MongoDB](https://www.mongodb.com) backend for kivigo, on the official
//! [`mongodb`](https://docs.rs/mongodb) driver.
//!
//! Each key is one document `{ _id: key, v: <binary value> }` in one collection. `set` is an
//! upserting `update_one` with `$set`; `batch_set` is one `update` command of upserts per chunk;
//! `batch_get` and `batch_delete` are a `find` / `delete_many` with `$in` per chunk; `list` is an
//! anchored, escaped, case-sensitive `$regex` on `_id`, sorted by `_id` and streamed through the
//! cursor. Batches are not atomic (see [`kivigo_core::Atomicity::None`]): every document write
//! is, a batch of them is not without a replica-set transaction.
//!
//! URL: `mongodb[+srv]://[user:password@]host[:port][,host...][/authdb][?database=DB&collection=NAME&<driver options>]`,
//! for example `mongodb://127.0.0.1:27017/?directConnection=true&collection=sessions`.
//! `database` (default `kivigo`) and `collection` (default `kv`) are kivigo's options; every
//! other query option goes to the driver (`directConnection`, `serverSelectionTimeoutMS`,
//! `replicaSet`, `tls`, `w`, `authSource`...), which rejects the ones it does not know.
//!
//! With the typed config, or with a client the application built itself:
//!
//! ```no_run
//! # async fn demo() -> kivigo_core::Result<()> {
//! use kivigo_core::Backend;
//! use kivigo_mongodb::{MongoBackend, MongoConfig, mongodb};
//!
//! let config = MongoConfig {
//!     collection: "sessions".to_owned(),
//!     ..MongoConfig::new("mongodb://127.0.0.1:27017/?directConnection=true")
//! };
//! let sessions = MongoBackend::open(config).await?;
//! sessions.set("s:1", b"payload", None).await?;
//! sessions.close().await?;
//!
//! let client = mongodb::Client::with_uri_str("mongodb://127.0.0.1:27017")
//!     .await
//!     .expect("valid URI");
//! let cache = MongoBackend::with_client(client.clone(), "app", "cache").await?;
//! cache.close().await?; // `client` keeps running
//! # Ok(())
//! # }
//! ```

mod backend;
mod config;
mod error;
mod query;

pub use backend::{MAX_KEY_SIZE, MAX_VALUE_SIZE, MongoBackend};
pub use config::{DEFAULT_COLLECTION, DEFAULT_DATABASE, MongoConfig};
/// The driver, for [`MongoBackend::with_client`].
pub use mongodb;

/// Opens the collection a `mongodb://` or `mongodb+srv://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<MongoBackend> {
    MongoBackend::open(MongoConfig::from_url(url)?).await
}
