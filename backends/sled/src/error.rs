//! Mapping sled's errors onto kivigo's.

use kivigo_core::{Error, Operation};
use sled::transaction::TransactionError;

pub(crate) const BACKEND: &str = "sled";

/// sled errors are disk, corruption or bug reports: none of them goes away by retrying.
pub(crate) fn from_sled(operation: Operation, err: sled::Error) -> Error {
    Error::permanent(BACKEND, operation, err)
}

/// A transaction that failed on its storage (sled retries conflicts by itself) or that our own
/// code aborted with a kivigo error (a counter that is not a number, a corrupt deadline).
pub(crate) fn from_transaction(operation: Operation, err: TransactionError<Error>) -> Error {
    match err {
        TransactionError::Storage(err) => from_sled(operation, err),
        TransactionError::Abort(err) => err,
    }
}

/// A key read back from the tree that is not UTF-8 (written by something other than kivigo).
pub(crate) fn foreign_key(operation: Operation, bytes: &[u8]) -> Error {
    Error::foreign_key(BACKEND, operation, bytes)
}

/// An expiry entry that is not an 8-byte deadline: the expiry tree was written by something
/// other than kivigo.
pub(crate) fn corrupt_deadline(operation: Operation, key: &[u8]) -> Error {
    Error::permanent(
        BACKEND,
        operation,
        // core's key shortener is private; the first 64 bytes are enough to find the entry.
        format!(
            "the expiry tree holds a deadline for key {:?} that is not 8 bytes",
            String::from_utf8_lossy(&key[..key.len().min(64)])
        ),
    )
}
