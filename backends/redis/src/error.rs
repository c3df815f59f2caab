//! Mapping the redis crate's errors onto kivigo's.

use std::io;
use std::sync::Arc;

use kivigo_core::{Error, Operation};
use redis::{ErrorKind, RedisError, RetryMethod, ServerError};

pub(crate) const BACKEND: &str = "redis";

/// Server error codes that a later attempt may not get: the server is loading its data
/// (`LOADING`), busy with a script (`BUSY`), asks to try again (`TRYAGAIN`), or lacks a
/// primary or enough replicas (`MASTERDOWN`, `CLUSTERDOWN`, `NOREPLICAS`).
const TRANSIENT_CODES: &[&str] = &[
    "LOADING",
    "BUSY",
    "TRYAGAIN",
    "MASTERDOWN",
    "CLUSTERDOWN",
    "NOREPLICAS",
];

/// Classifies a driver error met during `operation`.
///
/// - no answer in time (connect or response timeout) -> [`Error::Timeout`];
/// - a TLS handshake that fails (certificate refused...) or a permission error -> permanent;
/// - refused, reset or dropped connection, any other I/O error -> [`Error::Unavailable`];
/// - authentication and client configuration errors -> permanent;
/// - server errors, alone or inside a pipeline or an aborted MULTI/EXEC: transient when every
///   one of them has a code of [`TRANSIENT_CODES`] (`LOADING`...), permanent otherwise (`ERR`,
///   `OOM`, `READONLY`, `NOPERM`...): an error inside a transaction counts as the same error
///   outside one, never as the `EXECABORT` that wraps it;
/// - protocol desyncs (the connection is replaced) -> transient.
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
    // A single server error, the errors of a pipeline's replies, or the errors that made the
    // server discard a transaction (`Transaction aborted: [(Index 0, error: BusyLoading...`).
    if let Some(errors) = err.clone().into_server_errors() {
        return if all_transient(&errors) {
            Error::transient(BACKEND, operation, err)
        } else {
            Error::permanent(BACKEND, operation, err)
        };
    }
    match err.retry_method() {
        RetryMethod::WaitAndRetry
        | RetryMethod::RetryImmediately
        | RetryMethod::Reconnect
        | RetryMethod::ReconnectFromInitialConnections => Error::transient(BACKEND, operation, err),
        _ => Error::permanent(BACKEND, operation, err),
    }
}

/// Whether a retry may succeed for every one of these server errors (indexed by the command of
/// the pipeline or transaction they answer). An empty list is not transient.
pub(crate) fn all_transient(errors: &[(usize, ServerError)]) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|(_, error)| TRANSIENT_CODES.contains(&error.code()))
}

/// The typed error of a failed INCRBY on `key`, when the server refused the value or the result
/// (`ERR value is not an integer or out of range`, `ERR increment or decrement would overflow`).
pub(crate) fn counter_error(err: &RedisError, key: &str, delta: i64) -> Option<Error> {
    if err.code() != Some("ERR") {
        return None;
    }
    let detail = err.detail()?;
    let key = kivigo_core::backend::shorten(key);
    if detail.starts_with("value is not an integer") {
        Some(Error::NotANumber { key })
    } else if detail.starts_with("increment or decrement would overflow") {
        Some(Error::Overflow { key, delta })
    } else {
        None
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

    /// The server error a RESP error line parses into, as the driver builds it.
    fn server_error(line: &str) -> ServerError {
        match redis::parse_redis_value(format!("-{line}\r\n").as_bytes()) {
            Ok(redis::Value::ServerError(error)) => error,
            other => panic!("{line} did not parse as a server error: {other:?}"),
        }
    }

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

    #[test]
    fn single_server_errors_are_transient_only_for_retryable_codes() {
        for line in [
            "LOADING Redis is loading the dataset in memory",
            "TRYAGAIN Multiple keys request during rehashing of slot",
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
            "BUSY Redis is busy running a script.",
        ] {
            let err = RedisError::from(server_error(line));
            let mapped = from_redis(err, Operation::Get);
            assert!(mapped.is_transient(), "{line}: {mapped:?}");
            assert_eq!(mapped.operation(), Some(Operation::Get));
        }
        for line in [
            "ERR unknown command",
            "OOM command not allowed when used memory > 'maxmemory'.",
            "READONLY You can't write against a read only replica.",
            "EXECABORT Transaction discarded because of previous errors.",
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ] {
            let err = RedisError::from(server_error(line));
            assert!(!from_redis(err, Operation::Set).is_transient(), "{line}");
        }
    }

    #[test]
    fn errors_inside_a_transaction_are_classified_one_by_one() {
        // What the driver hands out for `Transaction aborted: [(Index 0, error: BusyLoading..),
        // (Index 1, ...)]`: every queued command refused for the same passing reason.
        let loading = server_error("LOADING Redis is loading the dataset in memory");
        let try_again = server_error("TRYAGAIN Multiple keys request during rehashing of slot");
        assert!(all_transient(&[(0, loading.clone()), (1, loading.clone())]));
        assert!(all_transient(&[(0, loading.clone()), (3, try_again)]));
        // One refusal that no retry fixes makes the whole transaction's error permanent.
        let oom = server_error("OOM command not allowed when used memory > 'maxmemory'.");
        assert!(!all_transient(&[(0, loading), (1, oom)]));
        assert!(!all_transient(&[]));
    }

    #[test]
    fn counter_refusals_are_typed() {
        let not_a_number =
            RedisError::from(server_error("ERR value is not an integer or out of range"));
        assert!(matches!(
            counter_error(&not_a_number, "n", 1),
            Some(Error::NotANumber { key }) if key == "n"
        ));
        let overflow = RedisError::from(server_error("ERR increment or decrement would overflow"));
        assert!(matches!(
            counter_error(&overflow, "n", 5),
            Some(Error::Overflow { delta: 5, .. })
        ));
        let other = RedisError::from(server_error("WRONGTYPE Operation against a key"));
        assert!(counter_error(&other, "n", 1).is_none());
    }
}
