//! [sled](https://docs.rs/sled) backend for kivigo: the embedded default.
//!
//! Batch writes are one `sled::Batch` (atomic), batch deletes one transaction (atomic, and
//! counted exactly), listing a `scan_prefix` (sorted by bytes). Durability follows the
//! [`FlushPolicy`] you pick: by default every write is flushed to disk before it returns.
//!
//! URL: `sled://PATH[?flush=always|<interval>&tree=NAME&cache_capacity=BYTES]`, for example
//! `sled://./data`, `sled:///var/lib/app/kv?flush=500ms`.

mod backend;
mod config;
mod error;

pub use backend::SledBackend;
pub use config::{FlushPolicy, SledConfig};

/// Opens the store a `sled://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<SledBackend> {
    SledBackend::open(SledConfig::from_url(url)?).await
}
