//! Mapping the MongoDB driver's errors onto kivigo's.

use kivigo_core::{Error, Operation};
use mongodb::error::{ErrorKind, WriteFailure};

pub(crate) const BACKEND: &str = "mongodb";

/// Server error codes that mean "try again": the node is stepping down, restarting, not primary,
/// a network blip on the server's side, a write conflict, or (for concurrent upserts of one new
/// key on old servers) a duplicate `_id`.
const TRANSIENT_CODES: &[i32] = &[
    6,     // HostUnreachable
    7,     // HostNotFound
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    112,   // WriteConflict
    189,   // PrimarySteppedDown
    262,   // ExceededTimeLimit
    9001,  // SocketException
    10107, // NotWritablePrimary
    11000, // DuplicateKey (two upserts of the same new key racing)
    11600, // InterruptedAtShutdown
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
];

/// Server error codes for an operation that ran out of time.
const TIMEOUT_CODES: &[i32] = &[
    50,  // MaxTimeMSExpired
    202, // NetworkInterfaceExceededTimeLimit
];

/// Maps a driver error from `operation` (`"get"`, `"batch_set"`...).
pub(crate) fn from_mongo(err: mongodb::error::Error, operation: Operation) -> Error {
    let code = match err.kind.as_ref() {
        ErrorKind::ServerSelection { .. } => {
            return Error::unavailable(
                BACKEND,
                operation,
                "no MongoDB server could be selected",
                err,
            );
        }
        ErrorKind::ConnectionPoolCleared { .. } => {
            return Error::unavailable(BACKEND, operation, "the connection pool was cleared", err);
        }
        ErrorKind::DnsResolve { .. } => {
            return Error::unavailable(
                BACKEND,
                operation,
                "the server's name did not resolve",
                err,
            );
        }
        ErrorKind::Io(io) => {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return Error::timeout(BACKEND, operation);
            }
            return Error::unavailable(BACKEND, operation, "the connection to MongoDB failed", err);
        }
        ErrorKind::InvalidArgument { message, .. } => {
            return Error::config(format!("mongodb: {message}"));
        }
        ErrorKind::Command(command) => Some(command.code),
        ErrorKind::Write(WriteFailure::WriteError(write)) => Some(write.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(concern)) => Some(concern.code),
        _ => None,
    };
    match code {
        Some(code) if TIMEOUT_CODES.contains(&code) => Error::timeout(BACKEND, operation),
        Some(code) if TRANSIENT_CODES.contains(&code) => Error::transient(BACKEND, operation, err),
        _ if err.contains_label(mongodb::error::RETRYABLE_WRITE_ERROR)
            || err.contains_label(mongodb::error::TRANSIENT_TRANSACTION_ERROR) =>
        {
            Error::transient(BACKEND, operation, err)
        }
        _ => Error::permanent(BACKEND, operation, err),
    }
}

/// A document under `key` that kivigo did not write: no binary `v` field.
pub(crate) fn foreign_document(key: &str, operation: Operation) -> Error {
    Error::permanent(
        BACKEND,
        operation,
        format!("the document with _id {key:?} has no binary field `v`; was it written by kivigo?"),
    )
}

/// A write error reported inside the reply of a raw `update` command (the command itself
/// succeeded, so the driver does not turn it into an error).
pub(crate) fn reported_write_error(operation: Operation, code: i32, message: &str) -> Error {
    let source = format!("{operation}: server error {code}: {message}");
    if TIMEOUT_CODES.contains(&code) {
        Error::timeout(BACKEND, operation)
    } else if TRANSIENT_CODES.contains(&code) {
        Error::transient(BACKEND, operation, source)
    } else {
        Error::permanent(BACKEND, operation, source)
    }
}
