//! Where work that may wait for the disk or walk many entries runs.
//!
//! In place on a multi-thread runtime, on the blocking pool otherwise.

use std::borrow::Borrow;

use kivigo_core::{Error, Operation, Result};
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::error::BACKEND;

/// Runs `work`, which may wait for the disk (an `fsync`) or walk many entries, without
/// stalling the runtime.
///
/// On a multi-thread runtime it runs right here through [`tokio::task::block_in_place`]: the
/// worker hands its queue of other tasks to another thread, and this call pays no hop to the
/// blocking pool and back. On a current-thread runtime, where that is not allowed, it goes to
/// the blocking pool; outside any runtime it simply runs.
pub(crate) async fn offload<T: Send + 'static>(
    operation: Operation,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        Ok(handle) => handle
            .spawn_blocking(work)
            .await
            .map_err(|join| Error::permanent(BACKEND, operation, join))?,
        Err(_) => work(),
    }
}

/// [`offload`] for work on borrowed input (the keys or entries of a batch): in place it reads
/// the caller's slice, and only the blocking-pool path pays for an owned copy.
pub(crate) async fn offload_with<A, T, F>(operation: Operation, input: &A, work: F) -> Result<T>
where
    A: ToOwned + Sync + ?Sized,
    A::Owned: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&A) -> Result<T> + Send + 'static,
{
    if on_multi_thread() {
        return tokio::task::block_in_place(|| work(input));
    }
    let owned = input.to_owned();
    offload(operation, move || work(owned.borrow())).await
}

fn on_multi_thread() -> bool {
    Handle::try_current().is_ok_and(|handle| handle.runtime_flavor() == RuntimeFlavor::MultiThread)
}
