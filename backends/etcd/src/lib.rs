//! [etcd](https://etcd.io) v3 backend for kivigo, on the
//! [etcd-client](https://docs.rs/etcd-client) driver.
//!
//! Batches are Txns cut to etcd's limits (128 operations, 1.5 MiB per request), each chunk
//! applied all-or-nothing; `list` is a keys-only range read in pages; requests fail over to the
//! next endpoint when a member is down or has lost its leader; `health` asks every endpoint for
//! its status.
//!
//! URL: `etcd://[user:password@]host:port[,host:port...][?options]`, for example
//! `etcd://127.0.0.1:2379` or `etcd://app:pw@10.0.0.1:2379,10.0.0.2:2379?prefix=app/`.
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `prefix` | empty | put in front of every key; `list` sees only keys under it |
//! | `connect_timeout` | `5s` | time to connect to one endpoint |
//! | `timeout` | `10s` | time for one request (a get, a list page, a batch Txn), retries included |
//! | `page_size` | `1000` | keys per page of `list` |
//! | `tls` | `false` | TLS to the endpoints (cargo feature `tls`) |
//! | `ca_file`, `cert_file`, `key_file`, `tls_domain` | none | PEM files and server name for TLS |
//!
//! Building needs `protoc` (Debian: `apt-get install protobuf-compiler libprotobuf-dev`).

mod backend;
mod cluster;
mod config;
mod error;
mod limits;

pub use backend::EtcdBackend;
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT, EtcdConfig, TlsConfig,
};
pub use limits::{MAX_KEY_SIZE, MAX_PREFIX_SIZE, MAX_REQUEST_BYTES, MAX_TXN_OPS, MAX_VALUE_SIZE};

/// Opens the store an `etcd://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<EtcdBackend> {
    EtcdBackend::open(EtcdConfig::from_url(url)?).await
}
