//! The one error type every kivigo operation returns.

use std::fmt;

use crate::Operation;

/// A boxed error from a driver, codec or the operating system, kept as the `source` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for `std::result::Result<T, kivigo_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a store.
///
/// The variants are the kinds a caller can act on: fix the input ([`Error::InvalidKey`],
/// [`Error::InvalidArgument`], [`Error::ValueTooLarge`]), pick another code path
/// ([`Error::Unsupported`]), retry ([`Error::is_transient`]; [`Error::was_never_sent`] says
/// whether even a non-idempotent call is safe to repeat), finish a half-applied batch
/// ([`Error::PartialBatch`]), or fix the configuration ([`Error::Config`]). Errors from the
/// store name the [`Operation`] that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key breaks a rule of the contract or of the store (empty, too long, forbidden byte).
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The offending key (shortened to 64 characters when it is longer).
        key: String,
        /// Which rule it breaks.
        reason: String,
    },

    /// An argument other than the key is out of range (a zero TTL, a scan limit of 0...);
    /// nothing was sent.
    #[error("invalid argument to {operation}: {reason}")]
    InvalidArgument {
        /// The operation that was called.
        operation: Operation,
        /// What is wrong with the argument.
        reason: String,
    },

    /// The value is larger than the store accepts; nothing was sent.
    #[error("value for key {key:?} is {size} bytes, over the {backend} limit of {max} bytes")]
    ValueTooLarge {
        /// The key the value was meant for.
        key: String,
        /// Size of the value in bytes.
        size: usize,
        /// The largest value the store accepts.
        max: usize,
        /// The backend that set the limit.
        backend: &'static str,
    },

    /// The backend cannot do this operation (for example `list` on memcached).
    #[error("{operation} is not supported by the {backend} backend")]
    Unsupported {
        /// The operation that was asked for.
        operation: Operation,
        /// The backend that cannot do it.
        backend: &'static str,
    },

    /// The store could not be reached; the same call may succeed later.
    #[error("{backend} is unavailable during {operation}: {message}")]
    Unavailable {
        /// The backend that could not reach its store.
        backend: &'static str,
        /// The operation that failed.
        operation: Operation,
        /// What happened, for people.
        message: String,
        /// The request surely never left the process (no connection could be made), so
        /// repeating even a non-idempotent operation is safe.
        never_sent: bool,
        /// The driver's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The store did not answer in time; the same call may succeed later.
    #[error("{backend} timed out during {operation}")]
    Timeout {
        /// The backend that timed out.
        backend: &'static str,
        /// The operation that timed out.
        operation: Operation,
        /// The time ran out before the request was sent (waiting for a connection).
        never_sent: bool,
    },

    /// The client or backend was closed; build a new one to go on.
    #[error("the {backend} backend is closed")]
    Closed {
        /// The backend that was closed.
        backend: &'static str,
    },

    /// A value could not be encoded by the codec.
    #[error("could not encode the value for key {key:?} with {codec}")]
    Encode {
        /// The key the value was meant for.
        key: String,
        /// The codec that failed.
        codec: &'static str,
        /// The codec's error.
        #[source]
        source: BoxError,
    },

    /// Stored bytes could not be decoded into the requested type.
    #[error("could not decode the value of key {key:?} with {codec}")]
    Decode {
        /// The key whose value did not decode.
        key: String,
        /// The codec that failed.
        codec: &'static str,
        /// The codec's error.
        #[source]
        source: BoxError,
    },

    /// `increment` found a value that is not the decimal text of a 64-bit signed integer.
    #[error("the value of key {key:?} is not a decimal 64-bit integer")]
    NotANumber {
        /// The key whose value is not a number.
        key: String,
    },

    /// `increment` would take the counter outside the range of a 64-bit signed integer; the
    /// stored value is unchanged.
    #[error("incrementing key {key:?} by {delta} overflows a 64-bit integer")]
    Overflow {
        /// The counter's key.
        key: String,
        /// The delta that was asked for.
        delta: i64,
    },

    /// A read-modify-write loop (`Client::update`) kept losing to other writers and gave up.
    #[error("gave up updating key {key:?} after {attempts} conflicting attempts")]
    Conflict {
        /// The contended key.
        key: String,
        /// How many compare-and-swap attempts were made.
        attempts: u32,
    },

    /// A batch write failed after part of it was applied, on a backend whose batches are not
    /// all-or-nothing. [`BatchProgress`] says which keys are known written, which may or may not
    /// be, and which are not; writing the last two groups again finishes the batch.
    #[error(
        "{operation} on {backend} failed part-way: {} keys written, {} unknown, {} not written",
        progress.written.len(), progress.unknown.len(), progress.not_written.len()
    )]
    PartialBatch {
        /// The backend that applied part of the batch.
        backend: &'static str,
        /// `batch_set`, `batch_delete` or `batch_write`.
        operation: Operation,
        /// Which keys are in which state.
        progress: Box<BatchProgress>,
        /// Why the rest failed.
        #[source]
        source: Box<Error>,
    },

    /// The configuration is wrong: bad URL, unknown scheme, unknown option, unsafe table name, or
    /// a backend whose cargo feature is off.
    #[error("configuration error: {0}")]
    Config(String),

    /// Any other error from the store's driver.
    #[error("{backend} error during {operation}: {source}")]
    Backend {
        /// The backend whose driver failed.
        backend: &'static str,
        /// The operation that failed.
        operation: Operation,
        /// Whether retrying the same call may succeed.
        transient: bool,
        /// The request surely never left the process.
        never_sent: bool,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
}

/// Where each key of a half-applied batch stands (see [`Error::PartialBatch`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Keys whose write (or delete) the store acknowledged.
    pub written: Vec<String>,
    /// Keys whose request was sent without an answer: they may or may not be written.
    pub unknown: Vec<String>,
    /// Keys that were not sent.
    pub not_written: Vec<String>,
}

impl BatchProgress {
    /// The keys a caller should write again to finish the batch: the unknown and the unwritten.
    pub fn to_retry(&self) -> impl Iterator<Item = &String> {
        self.unknown.iter().chain(&self.not_written)
    }
}

impl Error {
    /// True when the same call may succeed if retried later (unreachable store, time-out,
    /// transient driver error, or a partial batch that failed for such a reason). Input and
    /// configuration errors are never transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unavailable { .. } | Error::Timeout { .. } => true,
            Error::Backend { transient, .. } => *transient,
            Error::PartialBatch { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// True when the request surely never reached the store: refused before any I/O (bad
    /// input, unsupported, closed, configuration) or failed before it was sent (no connection
    /// could be made). Then even compare-and-swap, set-if-absent and increment may be retried.
    pub fn was_never_sent(&self) -> bool {
        match self {
            Error::InvalidKey { .. }
            | Error::InvalidArgument { .. }
            | Error::ValueTooLarge { .. }
            | Error::Unsupported { .. }
            | Error::Closed { .. }
            | Error::Encode { .. }
            | Error::Config(_) => true,
            Error::Unavailable { never_sent, .. }
            | Error::Timeout { never_sent, .. }
            | Error::Backend { never_sent, .. } => *never_sent,
            _ => false,
        }
    }

    /// Marks a store error as one whose request surely never left the process. Use it only when
    /// the backend knows (no connection was made); other errors are unchanged.
    #[must_use]
    pub fn never_sent(mut self) -> Self {
        match &mut self {
            Error::Unavailable { never_sent, .. }
            | Error::Timeout { never_sent, .. }
            | Error::Backend { never_sent, .. } => *never_sent = true,
            _ => {}
        }
        self
    }

    /// The operation that failed, for errors that come from a call.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::InvalidArgument { operation, .. }
            | Error::Unsupported { operation, .. }
            | Error::Unavailable { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::PartialBatch { operation, .. }
            | Error::Backend { operation, .. } => Some(*operation),
            Error::NotANumber { .. } | Error::Overflow { .. } => Some(Operation::Increment),
            _ => None,
        }
    }

    /// A short, stable name of the kind (`"timeout"`, `"invalid_key"`...), for metrics labels and
    /// logs.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::InvalidKey { .. } => "invalid_key",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::ValueTooLarge { .. } => "value_too_large",
            Error::Unsupported { .. } => "unsupported",
            Error::Unavailable { .. } => "unavailable",
            Error::Timeout { .. } => "timeout",
            Error::Closed { .. } => "closed",
            Error::Encode { .. } => "encode",
            Error::Decode { .. } => "decode",
            Error::NotANumber { .. } => "not_a_number",
            Error::Overflow { .. } => "overflow",
            Error::Conflict { .. } => "conflict",
            Error::PartialBatch { .. } => "partial_batch",
            Error::Config(_) => "config",
            Error::Backend { .. } => "backend",
        }
    }

    /// An [`Error::InvalidKey`] for `key`, shortening very long keys in the message.
    pub fn invalid_key(key: &str, reason: impl Into<String>) -> Self {
        Error::InvalidKey {
            key: shorten(key),
            reason: reason.into(),
        }
    }

    /// An [`Error::InvalidArgument`] for `operation`.
    pub fn invalid_argument(operation: Operation, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            operation,
            reason: reason.into(),
        }
    }

    /// An [`Error::Unsupported`]: `backend` cannot do `operation`.
    pub fn unsupported(backend: &'static str, operation: Operation) -> Self {
        Error::Unsupported { operation, backend }
    }

    /// An [`Error::Config`] from anything printable.
    pub fn config(message: impl fmt::Display) -> Self {
        Error::Config(message.to_string())
    }

    /// An [`Error::Unavailable`] wrapping the driver's error.
    pub fn unavailable(
        backend: &'static str,
        operation: Operation,
        message: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Unavailable {
            backend,
            operation,
            message: message.into(),
            never_sent: false,
            source: Some(source.into()),
        }
    }

    /// An [`Error::Timeout`] for `operation`.
    pub fn timeout(backend: &'static str, operation: Operation) -> Self {
        Error::Timeout {
            backend,
            operation,
            never_sent: false,
        }
    }

    /// An [`Error::Backend`] that retrying will not fix.
    pub fn permanent(
        backend: &'static str,
        operation: Operation,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Backend {
            backend,
            operation,
            transient: false,
            never_sent: false,
            source: source.into(),
        }
    }

    /// An [`Error::Backend`] that a retry may fix.
    pub fn transient(
        backend: &'static str,
        operation: Operation,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Backend {
            backend,
            operation,
            transient: true,
            never_sent: false,
            source: source.into(),
        }
    }

    /// A permanent error for a key read back from the store that is not UTF-8 (written by
    /// something other than kivigo); the bytes are shown shortened.
    pub fn foreign_key(backend: &'static str, operation: Operation, bytes: &[u8]) -> Self {
        let shown = String::from_utf8_lossy(bytes);
        Error::permanent(
            backend,
            operation,
            format!(
                "the store holds a key that is not UTF-8 (written by another program?): {:?}",
                shorten(&shown)
            ),
        )
    }
}

/// Keys in error messages are cut to 64 characters so that a 10 MB key does not become a 10 MB
/// log line. Backends name keys in their own errors through `kivigo_core::backend::shorten`.
///
/// ```
/// let shown = kivigo_core::backend::shorten(&"k".repeat(1000));
/// assert_eq!(shown.chars().count(), 65);
/// assert!(shown.ends_with('…'));
/// ```
pub fn shorten(key: &str) -> String {
    const MAX_CHARS: usize = 64;
    match key.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &key[..cut]),
        None => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_are_shortened_in_messages() {
        let key = "k".repeat(1000);
        let message = Error::invalid_key(&key, "too long").to_string();
        assert!(message.len() < 120, "{message}");
        assert!(message.contains('…'));
        let foreign = Error::foreign_key("x", Operation::List, &[0xff; 500]).to_string();
        assert!(foreign.len() < 400, "{foreign}");
    }

    #[test]
    fn only_reachability_errors_are_transient() {
        assert!(Error::timeout("x", Operation::Get).is_transient());
        assert!(Error::transient("x", Operation::Get, "blip").is_transient());
        assert!(!Error::permanent("x", Operation::Get, "nope").is_transient());
        assert!(!Error::invalid_key("", "empty").is_transient());
        assert!(!Error::config("bad").is_transient());
        assert!(!Error::NotANumber { key: "k".into() }.is_transient());
    }

    #[test]
    fn never_sent_is_known_only_when_marked_or_before_io() {
        let lost = Error::unavailable("x", Operation::Increment, "reset", "io");
        assert!(!lost.was_never_sent());
        assert!(lost.never_sent().was_never_sent());
        assert!(
            Error::timeout("x", Operation::Set)
                .never_sent()
                .was_never_sent()
        );
        assert!(Error::invalid_argument(Operation::Set, "zero TTL").was_never_sent());
        assert!(
            !Error::Conflict {
                key: "k".into(),
                attempts: 3
            }
            .was_never_sent()
        );
        // Marking an input error changes nothing.
        assert!(matches!(Error::config("x").never_sent(), Error::Config(_)));
    }

    #[test]
    fn errors_name_their_operation_and_kind() {
        let err = Error::transient("redis", Operation::BatchSet, "busy");
        assert_eq!(err.operation(), Some(Operation::BatchSet));
        assert_eq!(err.kind_name(), "backend");
        assert!(err.to_string().contains("batch_set"), "{err}");
        let partial = Error::PartialBatch {
            backend: "etcd",
            operation: Operation::BatchWrite,
            progress: Box::new(BatchProgress {
                written: vec!["a".into()],
                unknown: vec!["b".into()],
                not_written: vec!["c".into(), "d".into()],
            }),
            source: Box::new(Error::unavailable(
                "etcd",
                Operation::BatchWrite,
                "gone",
                "io",
            )),
        };
        assert!(partial.is_transient());
        assert_eq!(partial.kind_name(), "partial_batch");
        let message = partial.to_string();
        assert!(
            message.contains("1 keys written, 1 unknown, 2 not written"),
            "{message}"
        );
        if let Error::PartialBatch { progress, .. } = &partial {
            assert_eq!(progress.to_retry().count(), 3);
        }
    }
}
