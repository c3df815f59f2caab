//! What a backend can do, reported honestly so callers can ask instead of guessing.

/// How much of a batch write is all-or-nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Atomicity {
    /// Each key is written on its own; a failure can leave part of a batch applied.
    None,
    /// Every chunk is applied all-or-nothing, but a batch of several chunks is not. A chunk holds
    /// at most this many operations; a backend may also cut it smaller by size (etcd's request
    /// byte limit), so a batch of fewer operations is only all-or-nothing if it fits one
    /// request — each backend's page says how it chunks.
    PerChunk(usize),
    /// The whole batch is applied all-or-nothing, whatever its size.
    Whole,
}

/// The features and limits of one backend. Build it with [`Capabilities::new`] and the `with_*`
/// methods; read it with the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Short name of the backend, as used in errors (`"redis"`, `"sled"`, ...).
    pub name: &'static str,
    /// `list(prefix)` works. When false, `list` returns [`crate::Error::Unsupported`].
    pub list: bool,
    /// The batch methods use the store's own multi-key mechanism rather than a loop of single
    /// calls.
    pub native_batch: bool,
    /// How much of a `batch_set` / `batch_delete` is all-or-nothing.
    pub atomic_batch: Atomicity,
    /// Largest key in bytes, when the store has a limit.
    pub max_key_size: Option<usize>,
    /// Largest value in bytes, when the store has a limit.
    pub max_value_size: Option<usize>,
    /// Entries can expire after a time-to-live.
    pub ttl: bool,
    /// Writes can be made conditional (compare-and-swap, set-if-absent).
    pub conditional_writes: bool,
}

impl Capabilities {
    /// Capabilities of a backend that can only get, set and delete: no listing, no native or
    /// atomic batches, no limits. Chain the `with_*` methods to say more.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            list: false,
            native_batch: false,
            atomic_batch: Atomicity::None,
            max_key_size: None,
            max_value_size: None,
            ttl: false,
            conditional_writes: false,
        }
    }

    /// Says whether `list` is supported.
    pub const fn with_list(mut self, list: bool) -> Self {
        self.list = list;
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

    /// Says whether entries can expire.
    pub const fn with_ttl(mut self, ttl: bool) -> Self {
        self.ttl = ttl;
        self
    }

    /// Says whether conditional writes exist.
    pub const fn with_conditional_writes(mut self, conditional: bool) -> Self {
        self.conditional_writes = conditional;
        self
    }
}
