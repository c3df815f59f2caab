//! Mapping sled's errors onto kivigo's.

use kivigo_core::Error;

pub(crate) const BACKEND: &str = "sled";

/// sled errors are disk, corruption or bug reports: none of them goes away by retrying.
pub(crate) fn from_sled(err: sled::Error) -> Error {
    Error::permanent(BACKEND, err)
}

/// A transaction that failed on its storage (sled retries conflicts by itself).
pub(crate) fn from_transaction(err: sled::transaction::TransactionError<()>) -> Error {
    match err {
        sled::transaction::TransactionError::Storage(err) => from_sled(err),
        sled::transaction::TransactionError::Abort(()) => {
            Error::permanent(BACKEND, "transaction aborted")
        }
    }
}

/// A key read back from the tree that is not UTF-8 (written by something other than kivigo).
pub(crate) fn foreign_key(bytes: &[u8]) -> Error {
    Error::permanent(
        BACKEND,
        format!("the tree holds a key that is not UTF-8: {bytes:?}"),
    )
}
