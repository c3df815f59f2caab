//! What backend authors need, apart from what applications use.
//!
//! Applications see [`Client`](crate::Client), [`Backend`](crate::Backend), the error,
//! capabilities and layers. A crate that implements a store also needs:
//!
//! - [`OpenHandle`]: open/closed state, so every call after `close` is `Error::Closed`;
//! - [`Options`]: typed options from a URL's query string, unknown ones refused;
//! - [`validate`]: the checks every operation runs before any I/O;
//! - [`chunks`], [`unique`], [`last_write_wins`], [`last_op_wins`]: splitting and
//!   de-duplicating batches;
//! - [`looped`]: batches as explicit loops of single calls, for stores without a multi-key
//!   mechanism, and the bounded compare-and-swap loop;
//! - [`counter`]: the decimal text of `increment`'s counters;
//! - [`shorten`]: a key cut to a readable length for the errors that name it;
//! - [`wall_clock`] and [`Sweeper`]: expiry for stores that have none of their own.
//!
//! The "Custom backends" chapter of the docs walks through a complete backend.

mod chunk;
pub mod counter;
mod dedup;
mod lifecycle;
pub mod looped;
mod sweeper;
pub mod validate;
pub mod wall_clock;

pub use crate::error::shorten;
pub use crate::url::Options;
pub use chunk::chunks;
pub use dedup::{last_op_wins, last_write_wins, unique};
pub use lifecycle::OpenHandle;
pub use sweeper::{DEFAULT_SWEEP_INTERVAL, SWEEP_CHUNK, Sweep, SweepStep, Sweeper};
