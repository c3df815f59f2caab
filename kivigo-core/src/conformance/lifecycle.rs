//! Cases for health, close and capabilities.

use std::sync::Arc;
use std::time::Duration;

use super::support::{expect_err, keys};
use crate::{Atomicity, Backend, Error};

/// A call after `close` must fail quickly; this bounds it so a hang fails the test instead of
/// stalling the run. It is a guard, not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

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

/// The reported capabilities are coherent: a name, positive limits, positive chunk sizes.
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
    if !caps.native_batch {
        assert_eq!(
            caps.atomic_batch,
            Atomicity::None,
            "looped batches are not atomic"
        );
    }
}
