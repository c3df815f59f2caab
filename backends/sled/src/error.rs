//! Mapping sled's errors onto kivigo's.

use kivigo_core::{Error, Operation};

pub(crate) const BACKEND: &str = "sled";

/// sled errors are disk, corruption or bug reports: none of them goes away by retrying.
pub(crate) fn from_sled(err: sled::Error) -> Error {
    Error::permanent(BACKEND, Operation::Get, err)
}

/// A transaction that failed on its storage (sled retries conflicts by itself).
pub(crate) fn from_transaction(err: sled::transaction::TransactionError<()>) -> Error {
    match err {
        sled::transaction::TransactionError::Storage(err) => from_sled(err),
        sled::transaction::TransactionError::Abort(()) => {
            Error::permanent(BACKEND, Operation::BatchDelete, "transaction aborted")
        }
    }
}
