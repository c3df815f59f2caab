//! The core of [kivigo](https://docs.rs/kivigo): one async API over many key-value stores.
//!
//! - [`Backend`]: the byte-level contract every store implements (object-safe).
//! - [`Client`]: the typed handle applications use, with a [`Codec`] ([`Json`] by default).
//! - [`Error`]: one error type with kinds a caller can match on.
//! - [`Capabilities`]: what a backend can do, reported instead of pretended.
//! - [`MemoryBackend`]: an in-process store, always available.
//! - [`Namespace`]: a prefixed view of any backend, for tenants sharing one store.
//! - `conformance` (feature `conformance`): the suite every backend must pass.
//!
//! Most applications use the `kivigo` facade crate, which also opens stores from URLs.

mod backend;
mod capabilities;
mod chunk;
mod client;
mod codec;
mod error;
mod lifecycle;
mod memory;
mod namespace;
mod url;
pub mod validate;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use backend::{Backend, Entry, last_write_wins, unique};
pub use capabilities::{Atomicity, Capabilities};
pub use chunk::chunks;
pub use client::Client;
#[cfg(feature = "msgpack")]
pub use codec::MsgPack;
pub use codec::{Codec, Json};
pub use error::{BoxError, Error, Result};
pub use lifecycle::OpenHandle;
pub use memory::MemoryBackend;
pub use namespace::Namespace;
pub use url::{BackendUrl, Options};

/// Re-exported so that backend crates implement [`Backend`] with the same macro version.
pub use async_trait::async_trait;
