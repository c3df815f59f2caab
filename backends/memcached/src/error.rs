//! Mapping the `memcache` crate's errors onto kivigo's.

use std::io::ErrorKind;

use kivigo_core::{Error, Operation};
use memcache::exp::Error as Driver;

pub(crate) const BACKEND: &str = "memcached";

/// Classifies a driver error from `operation`.
///
/// - the exchange deadline passed, or the connection pool stayed full: `Timeout` / `Unavailable`;
/// - the server cannot be reached or dropped the connection: `Unavailable`;
/// - a request was written but not answered (`Ambiguous`): transient, and it may have been
///   applied (a retry layer repeats only idempotent calls then);
/// - `SERVER_ERROR` (out of memory...): transient;
/// - anything else (a rejected command, a garbled answer): permanent.
///
/// The driver reports a request written in full but not answered as `Ambiguous` whenever it
/// can change anything, so a bare `Io` or `Timeout` means the request was not applied: those
/// are marked [`Error::never_sent`], which lets a retry layer repeat even a compare-and-swap.
pub(crate) fn from_driver(err: Driver, operation: Operation) -> Error {
    match err {
        Driver::Timeout { .. } => Error::timeout(BACKEND, operation).never_sent(),
        Driver::Io(io) => from_io(io, operation).never_sent(),
        Driver::Ambiguous { source, .. } if is_timeout(&source) => {
            Error::timeout(BACKEND, operation)
        }
        err @ (Driver::Ambiguous { .. } | Driver::Server(_)) => {
            Error::transient(BACKEND, operation, err)
        }
        err => Error::permanent(BACKEND, operation, err),
    }
}

/// Errors from the socket, outside the driver (the `stats settings` probe) or inside it.
pub(crate) fn from_io(io: std::io::Error, operation: Operation) -> Error {
    match io.kind() {
        ErrorKind::TimedOut if io.to_string().contains("pool exhausted") => Error::unavailable(
            BACKEND,
            operation,
            format!("no free connection for {operation} (max_connections reached)"),
            io,
        ),
        ErrorKind::TimedOut => Error::timeout(BACKEND, operation),
        ErrorKind::ConnectionRefused
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::NotConnected
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof
        | ErrorKind::AddrNotAvailable
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::NetworkDown => Error::unavailable(
            BACKEND,
            operation,
            format!("could not reach the server during {operation}"),
            io,
        ),
        _ => Error::transient(BACKEND, operation, io),
    }
}

fn is_timeout(err: &Driver) -> bool {
    match err {
        Driver::Timeout { .. } => true,
        Driver::Io(io) => io.kind() == ErrorKind::TimedOut,
        _ => false,
    }
}

/// True for memcached's answer to an item over its size limit (in a pipeline, that answer ends
/// the exchange, so it comes wrapped as `Ambiguous`).
pub(crate) fn is_too_large(err: &Driver) -> bool {
    match err {
        Driver::Server(message) => message.contains("too large"),
        Driver::Ambiguous { source, .. } => is_too_large(source),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let refused = from_driver(
            Driver::Io(ErrorKind::ConnectionRefused.into()),
            Operation::Get,
        );
        assert!(matches!(refused, Error::Unavailable { .. }), "{refused:?}");
        assert!(refused.was_never_sent(), "a bare Io was not applied");
        let timeout = from_driver(Driver::Io(ErrorKind::TimedOut.into()), Operation::Set);
        assert!(matches!(
            timeout,
            Error::Timeout {
                operation: Operation::Set,
                ..
            }
        ));
        let ambiguous = from_driver(
            Driver::Ambiguous {
                key: b"k".to_vec(),
                source: Box::new(Driver::Io(ErrorKind::ConnectionReset.into())),
            },
            Operation::Set,
        );
        assert!(ambiguous.is_transient(), "{ambiguous:?}");
        assert!(
            !ambiguous.was_never_sent(),
            "an Ambiguous write may have landed"
        );
        let rejected = from_driver(Driver::Rejected("bad command".into()), Operation::Get);
        assert!(!rejected.is_transient());
        let too_large = Driver::Server("object too large for cache".into());
        assert!(is_too_large(&too_large));
        assert!(is_too_large(&Driver::Ambiguous {
            key: b"k".to_vec(),
            source: Box::new(too_large),
        }));
    }
}
