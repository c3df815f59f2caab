//! Every size, count and time limit of the Redis backend, in one place.

use std::time::Duration;

use kivigo_core::TtlSupport;

/// Largest key or value Redis accepts by default (`proto-max-bulk-len`, 512 MiB).
pub const MAX_BULK_SIZE: usize = 512 << 20;

/// Keys per MGET, MSET or UNLINK command. Several chunks of one batch go in one MULTI/EXEC.
pub const CHUNK_KEYS: usize = 1000;

/// An MSET chunk is also closed once its keys and values reach this many bytes, so one command
/// never holds gigabytes (each value may be up to 512 MiB).
pub const CHUNK_BYTES: usize = 16 << 20;

/// The COUNT hint of each SCAN call made by `list`.
pub const SCAN_COUNT: usize = 1000;

/// The largest COUNT hint of one SCAN call made by `scan`: the hint starts at the room left in
/// the page (at most this) and doubles up to this after each step that matched nothing.
pub const SCAN_MAX_COUNT: usize = 1000;

/// SCAN calls one `scan` page makes at most before it returns what it has (possibly nothing)
/// with a cursor, so a page of a sparse prefix over a huge database stays short.
pub const SCAN_STEPS_PER_PAGE: usize = 64;

/// Redis keeps expiry times in milliseconds: TTLs are rounded up to whole milliseconds (PX,
/// PEXPIRE), never down, so a key never expires early.
pub const TTL_GRANULARITY: Duration = Duration::from_millis(1);

/// The longest TTL accepted: Redis adds the TTL to the current Unix time in milliseconds in a
/// signed 64-bit integer and refuses an overflow, so 2^62 ms (about 146 million years) leaves
/// room for any clock.
pub const MAX_TTL: Duration = Duration::from_millis(1 << 62);

/// Expiry as the capabilities report it.
pub(crate) const TTL: TtlSupport = TtlSupport::new(TTL_GRANULARITY).with_max(MAX_TTL);

/// Extra time the backstop deadline of a call allows beyond its connect and response timeouts,
/// so that the driver's own, more precise error comes first.
pub(crate) const DEADLINE_MARGIN: Duration = Duration::from_secs(1);
