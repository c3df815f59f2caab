//! Mapping the redis crate's errors onto kivigo's.

use std::io;
use std::sync::Arc;

use kivigo_core::{Error, Operation};
use redis::{ErrorKind, RedisError, RetryMethod};

pub(crate) const BACKEND: &str = "redis";

/// Classifies a driver error met during `operation`.
///
/// - no answer in time (connect or response timeout) -> [`Error::Timeout`];
/// - a TLS handshake that fails (certificate refused...) or a permission error -> permanent;
/// - refused, reset or dropped connection, any other I/O error -> [`Error::Unavailable`];
/// - authentication and client configuration errors -> permanent;
/// - what the server asks to retry (`LOADING`, `TRYAGAIN`, `MASTERDOWN`, `CLUSTERDOWN`) and
///   protocol desyncs (the connection is replaced) -> transient;
/// - everything else (`ERR`, `OOM`, `READONLY`, `NOPERM`...) -> permanent.
pub(crate) fn from_redis(err: RedisError, operation: Operation) -> Error {
    if err.is_timeout() {
        return Error::timeout(BACKEND, operation);
    }
    if let Some(
        io::ErrorKind::InvalidData
        | io::ErrorKind::InvalidInput
        | io::ErrorKind::PermissionDenied
        | io::ErrorKind::Unsupported,
    ) = io_kind(&err)
    {
        return Error::permanent(BACKEND, operation, err);
    }
    if err.is_io_error() || err.is_connection_refusal() || err.is_connection_dropped() {
        return Error::unavailable(
            BACKEND,
            operation,
            format!("{operation} could not reach the server"),
            err,
        );
    }
    match err.kind() {
        ErrorKind::AuthenticationFailed
        | ErrorKind::InvalidClientConfig
        | ErrorKind::RESP3NotSupported => return Error::permanent(BACKEND, operation, err),
        _ => {}
    }
    match err.retry_method() {
        RetryMethod::WaitAndRetry
        | RetryMethod::RetryImmediately
        | RetryMethod::Reconnect
        | RetryMethod::ReconnectFromInitialConnections => Error::transient(BACKEND, operation, err),
        _ => Error::permanent(BACKEND, operation, err),
    }
}

/// The kind of the I/O error inside a driver error, when there is one. The redis crate keeps it
/// behind an `Arc`, which is what its `source()` hands out.
fn io_kind(err: &RedisError) -> Option<io::ErrorKind> {
    let source = std::error::Error::source(err)?;
    let shared = source.downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()?;
    shared.downcast_ref::<io::Error>().map(io::Error::kind)
}

/// The whole call took longer than its connection and response budgets together; the driver
/// should have given up first, this is the backstop that guarantees no call hangs.
pub(crate) fn deadline(operation: Operation) -> Error {
    Error::timeout(BACKEND, operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_transient_and_server_errors_are_classified() {
        let refused: RedisError =
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
        assert!(matches!(
            from_redis(refused, Operation::Get),
            Error::Unavailable { .. }
        ));
        let timed_out: RedisError = std::io::Error::from(std::io::ErrorKind::TimedOut).into();
        assert!(matches!(
            from_redis(timed_out, Operation::Get),
            Error::Timeout {
                operation: Operation::Get,
                ..
            }
        ));
        let tls: RedisError =
            std::io::Error::new(std::io::ErrorKind::InvalidData, "bad cert").into();
        assert!(matches!(
            from_redis(tls, Operation::Open),
            Error::Backend {
                transient: false,
                ..
            }
        ));
        let auth: RedisError = (ErrorKind::AuthenticationFailed, "WRONGPASS").into();
        assert!(!from_redis(auth, Operation::Open).is_transient());
        let wrong_type: RedisError = (ErrorKind::UnexpectedReturnType, "not a string").into();
        assert!(!from_redis(wrong_type, Operation::Get).is_transient());
    }
}
