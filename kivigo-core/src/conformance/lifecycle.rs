//! Cases for health, close and capabilities.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::support::{expect_err, keys};
use crate::{Atomicity, Backend, Client, Error, Operation, WriteOp};

/// A call after `close` must fail quickly; this bounds it so a hang fails the test instead of
/// stalling the run. It is a guard, not a timing assertion.
use super::process::HANG_GUARD;

/// `health` succeeds on an open backend.
pub async fn health_is_ok(backend: Arc<dyn Backend>) {
    backend.health().await.expect("health");
}

/// `close` twice is fine; afterwards every call fails with `Closed`, without hanging.
pub async fn close_is_idempotent_and_later_calls_fail(backend: Arc<dyn Backend>) {
    backend.set("before-close", b"v", None).await.expect("set");
    assert!(backend.delete("before-close").await.expect("delete"));
    backend.close().await.expect("close");
    backend.close().await.expect("second close");
    let closed = |e: &Error| matches!(e, Error::Closed { .. });
    let after = async {
        expect_err(backend.get("k").await, "get after close", closed);
        expect_err(
            backend.set("k", b"v", None).await,
            "set after close",
            closed,
        );
        expect_err(backend.delete("k").await, "delete after close", closed);
        expect_err(backend.health().await, "health after close", closed);
        expect_err(backend.batch_get(&keys(&["k"])).await, "batch_get", closed);
        let entries = vec![("k".to_owned(), b"v".to_vec())];
        expect_err(backend.batch_set(&entries, None).await, "batch_set", closed);
        expect_err(
            backend.batch_delete(&keys(&["k"])).await,
            "batch_delete",
            closed,
        );
        if backend.capabilities().list {
            expect_err(backend.list("").await, "list after close", closed);
        }
    };
    tokio::time::timeout(HANG_GUARD, after)
        .await
        .expect("calls after close hung");
}

/// After `close`, the operations of contract v2 fail with `Closed` too, without hanging:
/// ttl, expire, set and batch_set with a TTL, set_if_absent, compare_and_swap, increment, scan,
/// batch_write, and the client's streams.
///
/// An operation the backend does not support may answer `Unsupported` instead: both answers
/// come before any I/O, a backend may well refuse what it cannot do before it looks at its
/// state (and the client may check the capability first), and either way the call neither
/// succeeds nor hangs. A supported operation must say `Closed`.
pub async fn v2_operations_fail_after_close(backend: Arc<dyn Backend>) {
    backend.close().await.expect("close");
    let caps = backend.capabilities().clone();
    let refused = |supported: bool, operation: Operation| {
        move |e: &Error| match e {
            Error::Closed { .. } => true,
            Error::Unsupported { operation: op, .. } => !supported && *op == operation,
            _ => false,
        }
    };
    let expiry = caps.ttl.is_some();
    let conditional = caps.conditional_writes;
    let ttl = Some(Duration::from_secs(60));
    let after = async {
        expect_err(
            backend.ttl("k").await,
            "ttl",
            refused(expiry, Operation::Ttl),
        );
        expect_err(
            backend.expire("k", ttl).await,
            "expire",
            refused(expiry, Operation::Expire),
        );
        expect_err(
            backend.expire("k", None).await,
            "persist",
            refused(expiry, Operation::Expire),
        );
        expect_err(
            backend.set("k", b"v", ttl).await,
            "set with a TTL",
            refused(expiry, Operation::Set),
        );
        let entries = vec![("k".to_owned(), b"v".to_vec())];
        expect_err(
            backend.batch_set(&entries, ttl).await,
            "batch_set with a TTL",
            refused(expiry, Operation::BatchSet),
        );
        expect_err(
            backend.set_if_absent("k", b"v", None).await,
            "set_if_absent",
            refused(conditional, Operation::SetIfAbsent),
        );
        expect_err(
            backend.compare_and_swap("k", None, Some(b"v")).await,
            "compare_and_swap",
            refused(conditional, Operation::CompareAndSwap),
        );
        expect_err(
            backend.increment("k", 1).await,
            "increment",
            refused(caps.increment, Operation::Increment),
        );
        let scans = caps.scan.is_some();
        expect_err(
            backend.scan("", None, 10).await,
            "scan",
            refused(scans, Operation::Scan),
        );
        let ops = [WriteOp::put("k", b"v".to_vec()), WriteOp::delete("j")];
        expect_err(
            backend.batch_write(&ops).await,
            "batch_write",
            refused(caps.batch_write, Operation::BatchWrite),
        );
        let client = Client::from_arc(backend.clone());
        let first = client.keys("").next().await.expect("an error item");
        expect_err(first, "Client::keys", refused(scans, Operation::Scan));
        let computed = client
            .get_or_set_with("k", None, || async { Ok::<_, Error>(1_u8) })
            .await;
        expect_err(
            computed,
            "Client::get_or_set_with",
            refused(true, Operation::Get),
        );
    };
    tokio::time::timeout(HANG_GUARD, after)
        .await
        .expect("calls after close hung");
}

/// The reported capabilities are coherent: a name, positive limits and chunk sizes, a TTL
/// clock that ticks, and flags that imply each other.
pub async fn capabilities_are_consistent(backend: Arc<dyn Backend>) {
    let caps = backend.capabilities();
    assert!(!caps.name.is_empty(), "backend name");
    assert!(caps.max_key_size.is_none_or(|max| max > 0));
    assert!(caps.max_value_size.is_none_or(|max| max > 0));
    if let Atomicity::PerChunk(size) = caps.atomic_batch {
        assert!(
            size > 1,
            "a chunk of one is no atomicity at all; report None"
        );
    }
    if let Some(ttl) = caps.ttl {
        assert!(!ttl.granularity.is_zero(), "a TTL clock must tick");
        assert!(
            !ttl.min.is_zero(),
            "a zero TTL is invalid, so it cannot be the minimum"
        );
        assert!(
            ttl.max.is_none_or(|max| max >= ttl.min),
            "a maximum TTL below the minimum leaves no TTL that works"
        );
    }
    if caps.native_increment {
        assert!(caps.increment, "a native increment is still an increment");
    }
    if !caps.native_batch {
        assert_eq!(
            caps.atomic_batch,
            Atomicity::None,
            "looped batches are not atomic"
        );
    }
}
