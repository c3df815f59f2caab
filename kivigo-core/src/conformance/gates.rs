//! Capability gates: a case that needs a capability the backend does not report checks that the
//! backend refuses the operation with `Unsupported` (naming it), then stops.

use std::sync::Arc;
use std::time::Duration;

use super::support::expect_err;
use crate::{Backend, Error, Operation, ScanOrder, TtlSupport, WriteOp};

/// Matches `Unsupported` for exactly `operation`.
pub(crate) fn unsupported(operation: Operation) -> impl Fn(&Error) -> bool {
    move |err| matches!(err, Error::Unsupported { operation: op, .. } if *op == operation)
}

/// The backend's TTL support; without it, checks that every TTL operation is refused and that a
/// refused write wrote nothing.
pub(crate) async fn ttl_support(backend: &Arc<dyn Backend>) -> Option<TtlSupport> {
    if let Some(support) = backend.capabilities().ttl {
        return Some(support);
    }
    let minute = Duration::from_secs(60);
    let ttl = Some(minute);
    backend.set("kept", b"v", None).await.expect("plain set");
    expect_err(
        backend.set("refused", b"v", ttl).await,
        "set with a TTL without expiry support",
        unsupported(Operation::Set),
    );
    let entries = vec![("refused".to_owned(), b"v".to_vec())];
    expect_err(
        backend.batch_set(&entries, ttl).await,
        "batch_set with a TTL without expiry support",
        unsupported(Operation::BatchSet),
    );
    expect_err(
        backend.ttl("kept").await,
        "ttl without expiry support",
        unsupported(Operation::Ttl),
    );
    expect_err(
        backend.expire("kept", ttl).await,
        "expire without expiry support",
        unsupported(Operation::Expire),
    );
    expect_err(
        backend.expire("kept", None).await,
        "persist without expiry support",
        unsupported(Operation::Expire),
    );
    expect_err(
        backend.set_if_absent("refused", b"v", ttl).await,
        "set_if_absent with a TTL without expiry support",
        unsupported(Operation::SetIfAbsent),
    );
    let ops = [WriteOp::put_with_ttl("refused", b"v".to_vec(), minute)];
    expect_err(
        backend.batch_write(&ops).await,
        "batch_write put with a TTL without expiry support",
        unsupported(Operation::BatchWrite),
    );
    assert_eq!(backend.get("refused").await.expect("get"), None);
    assert_eq!(backend.get("kept").await.expect("get"), Some(b"v".to_vec()));
    None
}

/// Whether `set_if_absent` and `compare_and_swap` work; when they do not, checks that both are
/// refused and wrote nothing.
pub(crate) async fn can_write_conditionally(backend: &Arc<dyn Backend>) -> bool {
    if backend.capabilities().conditional_writes {
        return true;
    }
    expect_err(
        backend.set_if_absent("cond", b"v", None).await,
        "set_if_absent without conditional writes",
        unsupported(Operation::SetIfAbsent),
    );
    expect_err(
        backend.compare_and_swap("cond", None, Some(b"v")).await,
        "compare_and_swap without conditional writes",
        unsupported(Operation::CompareAndSwap),
    );
    assert_eq!(backend.get("cond").await.expect("get"), None);
    false
}

/// Whether `increment` works; when it does not, checks that it is refused and wrote nothing.
pub(crate) async fn can_increment(backend: &Arc<dyn Backend>) -> bool {
    if backend.capabilities().increment {
        return true;
    }
    expect_err(
        backend.increment("n", 1).await,
        "increment without counters",
        unsupported(Operation::Increment),
    );
    assert_eq!(backend.get("n").await.expect("get"), None);
    false
}

/// The backend's scan order; without scans, checks that `scan` is refused.
pub(crate) async fn scan_order(backend: &Arc<dyn Backend>) -> Option<ScanOrder> {
    if let Some(order) = backend.capabilities().scan {
        return Some(order);
    }
    expect_err(
        backend.scan("", None, 10).await,
        "scan without scan support",
        unsupported(Operation::Scan),
    );
    None
}

/// Whether `batch_write` works; when it does not, checks that it is refused and wrote nothing.
pub(crate) async fn can_batch_write(backend: &Arc<dyn Backend>) -> bool {
    if backend.capabilities().batch_write {
        return true;
    }
    backend.set("old", b"v", None).await.expect("set");
    let ops = [WriteOp::put("new", b"v".to_vec()), WriteOp::delete("old")];
    expect_err(
        backend.batch_write(&ops).await,
        "batch_write without batch_write support",
        unsupported(Operation::BatchWrite),
    );
    assert_eq!(backend.get("new").await.expect("get"), None);
    assert_eq!(backend.get("old").await.expect("get"), Some(b"v".to_vec()));
    false
}
