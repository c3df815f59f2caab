//! The core of [kivigo](https://docs.rs/kivigo): one async API over many key-value stores.
//!
//! - [`Backend`]: the byte-level contract every store implements (object-safe).
//! - [`Client`]: the typed handle applications use, with a [`Codec`] ([`Json`] by default).
//! - [`Error`]: one error type with kinds a caller can match on.
//! - [`Capabilities`]: what a backend can do, reported instead of pretended.
//! - [`MemoryBackend`]: an in-process store, always available.
//! - [`layer`]: behaviour written once for every store ([`layer::Namespace`], and the
//!   [`layer::Forward`] base every layer builds on).
//! - [`backend`]: what a crate implementing a store needs beyond the trait.
//! - `conformance` (feature `conformance`): the suite every backend must pass.
//!
//! Most applications use the `kivigo` facade crate, which also opens stores from URLs.

mod capabilities;
mod client;
mod codec;
mod contract;
mod error;
mod expiry;
mod memory;
mod operation;
mod scan;
mod url;
mod write;

pub mod backend;
pub mod layer;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use capabilities::{Atomicity, Capabilities, KeyRules, TtlSupport};
pub use client::{Client, DEFAULT_PAGE_SIZE};
#[cfg(feature = "msgpack")]
pub use codec::MsgPack;
pub use codec::{Codec, Json};
pub use contract::Backend;
pub use error::{BatchProgress, BoxError, Error, Result};
pub use expiry::KeyTtl;
pub use memory::MemoryBackend;
pub use operation::Operation;
pub use scan::{ScanOrder, ScanPage};
pub use url::BackendUrl;
pub use write::{Entry, WriteOp};

/// Re-exported so that backend crates implement [`Backend`] with the same macro version.
pub use async_trait::async_trait;
