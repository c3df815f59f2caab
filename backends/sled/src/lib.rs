//! [sled](https://docs.rs/sled) backend for kivigo: the embedded default.
//!
//! Every operation of the contract is native: batch writes are one `sled::Batch` (atomic),
//! conditional writes and counters sled's compare-and-swap or a transaction, listing and
//! cursor scans walk the tree in key order. Keys can expire: their deadlines live in two trees
//! beside the data, which stays byte for byte what kivigo 0.1 wrote, so older databases open
//! without a migration. Durability follows the [`FlushPolicy`] you pick: by default every
//! write is flushed to disk before it returns.
//!
//! URL: `sled://PATH[?flush=always|<interval>&tree=NAME&cache_capacity=BYTES&sweep_interval=<interval>]`,
//! for example `sled://./data`, `sled:///var/lib/app/kv?flush=500ms`.

mod backend;
mod conditional;
mod config;
mod error;
mod expiry;
mod offload;
mod read;
mod scan;
mod store;
mod sweep;
mod write;

pub use backend::SledBackend;
pub use config::{FlushPolicy, SledConfig};

/// Opens the store a `sled://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<SledBackend> {
    SledBackend::open(SledConfig::from_url(url)?).await
}
