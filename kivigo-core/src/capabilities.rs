//! What a backend can do, reported honestly so callers can ask instead of guessing.

use std::time::Duration;

use crate::ScanOrder;

/// How much of a batch write is all-or-nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Atomicity {
    /// Each key is written on its own; a failure can leave part of a batch applied. The error
    /// then says which keys were written ([`crate::Error::PartialBatch`]).
    None,
    /// Every chunk is applied all-or-nothing, but a batch of several chunks is not. A chunk holds
    /// at most this many operations; a backend may also cut it smaller by size (etcd's request
    /// byte limit), so a batch of fewer operations is only all-or-nothing if it fits one
    /// request — each backend's page says how it chunks.
    PerChunk(usize),
    /// The whole batch is applied all-or-nothing, whatever its size.
    Whole,
}

/// How a backend handles time-to-live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtlSupport {
    /// The store's clock tick: TTLs are rounded up to a multiple of it, and a key may live up to
    /// one more tick past its TTL (1 ms for Redis, memory and sled; 1 s for memcached and etcd).
    pub granularity: Duration,
    /// The shortest TTL the store keeps as given; shorter ones are raised to it.
    pub min: Duration,
    /// The longest TTL the store accepts, when it has a limit.
    pub max: Option<Duration>,
}

impl TtlSupport {
    /// TTL support with this clock tick, the tick as minimum and no maximum.
    pub const fn new(granularity: Duration) -> Self {
        Self {
            granularity,
            min: granularity,
            max: None,
        }
    }

    /// Sets the shortest TTL the store keeps.
    pub const fn with_min(mut self, min: Duration) -> Self {
        self.min = min;
        self
    }

    /// Sets the longest TTL the store accepts.
    pub const fn with_max(mut self, max: Duration) -> Self {
        self.max = Some(max);
        self
    }

    /// `ttl` as the store keeps it: at least [`min`](Self::min), rounded up (never down) to a
    /// whole number of [`granularity`](Self::granularity) ticks, so a key never expires early.
    pub fn round_up(&self, ttl: Duration) -> Duration {
        let ttl = ttl.max(self.min);
        let tick = self.granularity.as_nanos().max(1);
        let ticks = ttl.as_nanos().div_ceil(tick);
        let nanos = ticks.saturating_mul(tick);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The longest a key written with `ttl` may still be readable: the rounded TTL plus one
    /// tick of the store's clock. Tests wait this long for an expiry.
    pub fn gone_after(&self, ttl: Duration) -> Duration {
        self.round_up(ttl) + self.granularity
    }
}

/// Bytes a store does not accept in keys, checked before any I/O.
///
/// Only ASCII bytes can be forbidden: keys are UTF-8, and a store that refuses some ASCII
/// bytes (memcached: spaces and control characters) accepts the bytes of other characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRules {
    forbidden: u128,
    /// What the rule is, for the error message (`"spaces or control characters"`).
    pub description: &'static str,
}

impl KeyRules {
    /// No forbidden byte.
    pub const NONE: KeyRules = KeyRules {
        forbidden: 0,
        description: "",
    };

    /// Forbids the ASCII bytes `first..=last`, described as `description` in errors.
    pub const fn forbid_range(first: u8, last: u8, description: &'static str) -> Self {
        let mut rules = KeyRules {
            forbidden: 0,
            description,
        };
        let mut byte = first;
        while byte <= last && byte < 128 {
            rules.forbidden |= 1 << byte;
            if byte == u8::MAX {
                break;
            }
            byte += 1;
        }
        rules
    }

    /// Forbids one more ASCII byte as well.
    pub const fn and(mut self, byte: u8) -> Self {
        if byte < 128 {
            self.forbidden |= 1 << byte;
        }
        self
    }

    /// Whether `byte` may appear in a key.
    pub const fn allows(&self, byte: u8) -> bool {
        byte >= 128 || self.forbidden & (1 << byte) == 0
    }

    /// The first byte of `key` the store refuses, with its position.
    pub fn first_forbidden(&self, key: &str) -> Option<(usize, u8)> {
        if self.forbidden == 0 {
            return None;
        }
        key.bytes()
            .enumerate()
            .find(|(_, byte)| !self.allows(*byte))
    }

    /// Whether no byte is forbidden.
    pub const fn is_empty(&self) -> bool {
        self.forbidden == 0
    }
}

/// The features and limits of one backend. Build it with [`Capabilities::new`] and the `with_*`
/// methods; read it with the fields.
///
/// Every operation a capability does not cover returns [`crate::Error::Unsupported`], and the
/// conformance suite checks both sides: what is reported works, what is not reported is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Short name of the backend, as used in errors (`"redis"`, `"sled"`, ...).
    pub name: &'static str,
    /// `list(prefix)` works. When false, `list` returns [`crate::Error::Unsupported`].
    pub list: bool,
    /// `scan` works, with pages in this order. `None`: `scan` returns `Unsupported`.
    pub scan: Option<ScanOrder>,
    /// The batch methods use the store's own multi-key mechanism rather than a loop of single
    /// calls.
    pub native_batch: bool,
    /// How much of a `batch_set` / `batch_delete` / `batch_write` is all-or-nothing.
    pub atomic_batch: Atomicity,
    /// `batch_write` (puts and deletes mixed in one call) works.
    pub batch_write: bool,
    /// Largest key in bytes, when the store has a limit.
    pub max_key_size: Option<usize>,
    /// Largest value in bytes, when the store has a limit.
    pub max_value_size: Option<usize>,
    /// Bytes the store refuses in keys.
    pub key_rules: KeyRules,
    /// Entries can expire: writes with a TTL, `ttl` and `expire` work. `None`: they return
    /// `Unsupported`.
    pub ttl: Option<TtlSupport>,
    /// `set_if_absent` and `compare_and_swap` work, atomically.
    pub conditional_writes: bool,
    /// `increment` works, atomically.
    pub increment: bool,
    /// `increment` is one operation of the store (Redis INCRBY) rather than a loop of
    /// compare-and-swap attempts.
    pub native_increment: bool,
}

impl Capabilities {
    /// Capabilities of a backend that can only get, set and delete: no listing, scans, expiry,
    /// conditional writes or counters, no native or atomic batches, no limits. Chain the
    /// `with_*` methods to say more.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            list: false,
            scan: None,
            native_batch: false,
            atomic_batch: Atomicity::None,
            batch_write: false,
            max_key_size: None,
            max_value_size: None,
            key_rules: KeyRules::NONE,
            ttl: None,
            conditional_writes: false,
            increment: false,
            native_increment: false,
        }
    }

    /// Says whether `list` is supported.
    pub const fn with_list(mut self, list: bool) -> Self {
        self.list = list;
        self
    }

    /// Says that `scan` works and in which order its pages come.
    pub const fn with_scan(mut self, order: ScanOrder) -> Self {
        self.scan = Some(order);
        self
    }

    /// Says whether batches use the store's native multi-key mechanism.
    pub const fn with_native_batch(mut self, native: bool) -> Self {
        self.native_batch = native;
        self
    }

    /// Says how much of a batch write is atomic.
    pub const fn with_atomic_batch(mut self, atomicity: Atomicity) -> Self {
        self.atomic_batch = atomicity;
        self
    }

    /// Says whether `batch_write` works.
    pub const fn with_batch_write(mut self, batch_write: bool) -> Self {
        self.batch_write = batch_write;
        self
    }

    /// Sets the largest key size in bytes.
    pub const fn with_max_key_size(mut self, bytes: usize) -> Self {
        self.max_key_size = Some(bytes);
        self
    }

    /// Sets the largest value size in bytes.
    pub const fn with_max_value_size(mut self, bytes: usize) -> Self {
        self.max_value_size = Some(bytes);
        self
    }

    /// Sets the bytes keys may not hold.
    pub const fn with_key_rules(mut self, rules: KeyRules) -> Self {
        self.key_rules = rules;
        self
    }

    /// Says that entries can expire, with the store's TTL granularity and limits.
    pub const fn with_ttl(mut self, ttl: TtlSupport) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Says whether `set_if_absent` and `compare_and_swap` work.
    pub const fn with_conditional_writes(mut self, conditional: bool) -> Self {
        self.conditional_writes = conditional;
        self
    }

    /// Says that `increment` works; `native` when it is one store operation rather than a
    /// compare-and-swap loop.
    pub const fn with_increment(mut self, native: bool) -> Self {
        self.increment = true;
        self.native_increment = native;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up_to_whole_ticks_and_the_minimum() {
        let seconds = TtlSupport::new(Duration::from_secs(1));
        assert_eq!(
            seconds.round_up(Duration::from_millis(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            seconds.round_up(Duration::from_millis(1001)),
            Duration::from_secs(2)
        );
        assert_eq!(
            seconds.round_up(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
        let etcd = seconds.with_min(Duration::from_secs(2));
        assert_eq!(
            etcd.round_up(Duration::from_millis(10)),
            Duration::from_secs(2)
        );
        let millis = TtlSupport::new(Duration::from_millis(1));
        assert_eq!(
            millis.round_up(Duration::from_micros(1500)),
            Duration::from_millis(2)
        );
        assert_eq!(
            millis.gone_after(Duration::from_millis(100)),
            Duration::from_millis(101)
        );
    }

    #[test]
    fn key_rules_forbid_only_what_they_name() {
        const MEMCACHED: KeyRules =
            KeyRules::forbid_range(0x00, 0x20, "spaces or control characters").and(0x7f);
        assert_eq!(MEMCACHED.first_forbidden("plain:key-1"), None);
        assert_eq!(MEMCACHED.first_forbidden("a b"), Some((1, b' ')));
        assert_eq!(MEMCACHED.first_forbidden("a\u{7f}"), Some((1, 0x7f)));
        assert_eq!(MEMCACHED.first_forbidden("\n"), Some((0, b'\n')));
        assert_eq!(MEMCACHED.first_forbidden("ключ日本"), None);
        assert!(KeyRules::NONE.first_forbidden("a b\0").is_none());
        assert!(KeyRules::NONE.is_empty() && !MEMCACHED.is_empty());
    }
}
