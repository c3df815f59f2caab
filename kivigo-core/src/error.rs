//! The one error type every kivigo operation returns.

use std::fmt;

/// A boxed error from a driver, codec or the operating system, kept as the `source` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for `std::result::Result<T, kivigo_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a store.
///
/// The variants are the kinds a caller can act on: fix the input ([`Error::InvalidKey`],
/// [`Error::ValueTooLarge`]), pick another code path ([`Error::Unsupported`]), retry
/// ([`Error::is_transient`]), or fix the configuration ([`Error::Config`]).
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
        operation: &'static str,
        /// The backend that cannot do it.
        backend: &'static str,
    },

    /// The store could not be reached; the same call may succeed later.
    #[error("{backend} is unavailable: {message}")]
    Unavailable {
        /// The backend that could not reach its store.
        backend: &'static str,
        /// What happened, for people.
        message: String,
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
        operation: &'static str,
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

    /// The configuration is wrong: bad URL, unknown scheme, unknown option, unsafe table name, or
    /// a backend whose cargo feature is off.
    #[error("configuration error: {0}")]
    Config(String),

    /// Any other error from the store's driver.
    #[error("{backend} error: {source}")]
    Backend {
        /// The backend whose driver failed.
        backend: &'static str,
        /// Whether retrying the same call may succeed.
        transient: bool,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// True when the same call may succeed if retried later (unreachable store, time-out,
    /// transient driver error). Input and configuration errors are never transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unavailable { .. } | Error::Timeout { .. } => true,
            Error::Backend { transient, .. } => *transient,
            _ => false,
        }
    }

    /// An [`Error::InvalidKey`] for `key`, shortening very long keys in the message.
    pub fn invalid_key(key: &str, reason: impl Into<String>) -> Self {
        Error::InvalidKey {
            key: shorten(key),
            reason: reason.into(),
        }
    }

    /// An [`Error::Config`] from anything printable.
    pub fn config(message: impl fmt::Display) -> Self {
        Error::Config(message.to_string())
    }

    /// An [`Error::Unavailable`] wrapping the driver's error.
    pub fn unavailable(
        backend: &'static str,
        message: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Unavailable {
            backend,
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// An [`Error::Backend`] that retrying will not fix.
    pub fn permanent(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Backend {
            backend,
            transient: false,
            source: source.into(),
        }
    }

    /// An [`Error::Backend`] that a retry may fix.
    pub fn transient(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Backend {
            backend,
            transient: true,
            source: source.into(),
        }
    }
}

/// Keys in error messages are cut to 64 characters so that a 10 MB key does not become a 10 MB
/// log line.
fn shorten(key: &str) -> String {
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
    }

    #[test]
    fn only_reachability_errors_are_transient() {
        assert!(
            Error::Timeout {
                backend: "x",
                operation: "get"
            }
            .is_transient()
        );
        assert!(Error::transient("x", "blip").is_transient());
        assert!(!Error::permanent("x", "nope").is_transient());
        assert!(!Error::invalid_key("", "empty").is_transient());
        assert!(!Error::config("bad").is_transient());
    }
}
