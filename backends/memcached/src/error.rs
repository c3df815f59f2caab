//! Mapping the `memcache` crate's errors onto kivigo's.

use std::io::ErrorKind;

use kivigo_core::{Error, Operation};
use memcache::exp::Error as Driver;

pub(crate) const BACKEND: &str = "memcached";

/// Classifies a driver error from `operation`.
///
/// - the exchange deadline passed, or the connection pool stayed full: `Timeout` / `Unavailable`;
/// - the server cannot be reached or dropped the connection: `Unavailable`;
/// - a request was written but not answered (`Ambiguous`): transient, since every kivigo write
///   to memcached is idempotent and can be sent again;
/// - `SERVER_ERROR` (out of memory...): transient;
/// - anything else (a rejected command, a garbled answer): permanent.
pub(crate) fn from_driver(err: Driver, operation: Operation) -> Error {
    match err {
        Driver::Timeout { .. } => Error::timeout(BACKEND, operation),
        Driver::Io(io) => from_io(io, operation),
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

/// True for memcached's answer to an item over its size limit.
pub(crate) fn is_too_large(err: &Driver) -> bool {
    matches!(err, Driver::Server(message) if message.contains("too large"))
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
        let rejected = from_driver(Driver::Rejected("bad command".into()), Operation::Get);
        assert!(!rejected.is_transient());
        assert!(is_too_large(&Driver::Server(
            "object too large for cache".into()
        )));
    }
}
