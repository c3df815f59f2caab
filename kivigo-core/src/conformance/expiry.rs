//! Cases that wait for keys to expire: each writes with the shortest TTL the backend allows,
//! checks what must hold before, waits once for the deadline and checks what must hold after.

use std::sync::Arc;

use super::deadline::{outliving_ttl, short_ttl, timed};
use super::gates::{can_batch_write, can_increment, can_write_conditionally, ttl_support};
use super::paths::{Expect, V, check_read_paths};
use crate::{Backend, Entry, KeyTtl, WriteOp};

fn entries(names: &[&str]) -> Vec<Entry> {
    names
        .iter()
        .map(|k| ((*k).to_owned(), V.to_vec()))
        .collect()
}

/// Once its TTL has elapsed, a key is gone for every read path, while a persistent neighbour
/// stays.
pub async fn expired_key_is_gone_for_every_read_path(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = short_ttl(&support);
    backend.set("stay", V, None).await.expect("set");
    // Written before "gone", so gone by its deadline too.
    let batch = vec![("gone-too".to_owned(), V.to_vec())];
    backend
        .batch_set(&batch, Some(ttl))
        .await
        .expect("batch_set with a TTL");
    let (done, deadline) = timed(&support, ttl, backend.set("gone", V, Some(ttl))).await;
    done.expect("set with a TTL");
    let got = backend.get("gone").await.expect("get");
    deadline.assert_live(got.is_some(), "get right after the write");
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &["gone", "gone-too"], Expect::Gone).await;
    check_read_paths(&backend, &["stay"], Expect::Present).await;
    // Deleting an expired key is deleting a missing key: it did not exist.
    assert!(
        !backend.delete("gone").await.expect("delete"),
        "delete of an expired key says it existed"
    );
    let counted = backend
        .batch_delete(&["gone-too".to_owned(), "stay".to_owned()])
        .await
        .expect("batch_delete");
    assert_eq!(counted, 1, "batch_delete counted an expired key");
}

/// A key is there for every read path until its TTL has elapsed (locks rely on it), its
/// remaining time is never more than the TTL, and it is gone after the deadline — while a key
/// whose TTL ends a little later is still there for every read path.
pub async fn key_is_never_gone_before_its_ttl(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = short_ttl(&support);
    let later = outliving_ttl(&support);
    let (done, outliving) = timed(&support, later, backend.set("later", V, Some(later))).await;
    done.expect("set with a longer TTL");
    let (done, deadline) = timed(&support, ttl, backend.set("lock", V, Some(ttl))).await;
    done.expect("set with a TTL");
    check_read_paths(&backend, &["lock"], Expect::Live(&deadline)).await;
    match backend.ttl("lock").await.expect("ttl") {
        KeyTtl::Remaining(left) => assert!(
            !left.is_zero() && left <= ttl,
            "{left:?} left of a {ttl:?} TTL"
        ),
        KeyTtl::Persistent => panic!("a key written with a TTL reads as persistent"),
        KeyTtl::Missing => deadline.assert_live(false, "ttl"),
    }
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &["lock"], Expect::Gone).await;
    check_read_paths(&backend, &["later"], Expect::Live(&outliving)).await;
}

/// `expire` gives an existing persistent key a TTL, after which it is gone.
pub async fn expire_makes_an_existing_key_expire(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = short_ttl(&support);
    backend.set("k", V, None).await.expect("set");
    let (existed, deadline) = timed(&support, ttl, backend.expire("k", Some(ttl))).await;
    assert!(existed.expect("expire"), "the key existed");
    let left = backend.ttl("k").await.expect("ttl");
    deadline.assert_live(left.exists(), "ttl after expire");
    assert_ne!(left, KeyTtl::Persistent, "expire set no TTL");
    assert!(left.remaining().is_none_or(|d| !d.is_zero() && d <= ttl));
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &["k"], Expect::Gone).await;
}

/// `expire(key, None)` (persist) removes a TTL: the key outlives its old deadline.
pub async fn persist_keeps_a_key_past_its_old_deadline(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = short_ttl(&support);
    let (done, deadline) = timed(&support, ttl, backend.set("k", V, Some(ttl))).await;
    done.expect("set with a TTL");
    let existed = backend.expire("k", None).await.expect("persist");
    deadline.assert_live(existed, "persist right after the write");
    if !existed {
        // The machine stalled past the TTL before the persist: nothing left to check.
        return;
    }
    assert_eq!(backend.ttl("k").await.expect("ttl"), KeyTtl::Persistent);
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &["k"], Expect::Present).await;
}

/// A write without a TTL — set, batch_set, a batch_write put — makes a key persistent again: it
/// outlives the deadline of its earlier TTL, while an untouched key with that TTL is gone.
pub async fn plain_writes_clear_an_earlier_ttl(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let writes_batches = can_batch_write(&backend).await;
    let ttl = short_ttl(&support);
    let all = entries(&["by-set", "by-batch", "by-write", "control"]);
    let (done, deadline) = timed(&support, ttl, backend.batch_set(&all, Some(ttl))).await;
    done.expect("batch_set with a TTL");
    backend.set("by-set", V, None).await.expect("plain set");
    let plain = entries(&["by-batch"]);
    backend
        .batch_set(&plain, None)
        .await
        .expect("plain batch_set");
    let mut kept = vec!["by-set", "by-batch"];
    if writes_batches {
        let ops = [WriteOp::put("by-write", V.to_vec())];
        backend
            .batch_write(&ops)
            .await
            .expect("plain batch_write put");
        kept.push("by-write");
    }
    for key in &kept {
        assert_eq!(
            backend.ttl(key).await.expect("ttl"),
            KeyTtl::Persistent,
            "{key}"
        );
    }
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &kept, Expect::Present).await;
    check_read_paths(&backend, &["control"], Expect::Gone).await;
}

/// `batch_set` with a TTL gives it to every entry: all are there, then all are gone.
pub async fn batch_set_with_ttl_expires_every_entry(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = short_ttl(&support);
    let names: Vec<String> = (0..20).map(|i| format!("b/{i:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    backend.set("b/keep", V, None).await.expect("set");
    let batch = entries(&names);
    let (done, deadline) = timed(&support, ttl, backend.batch_set(&batch, Some(ttl))).await;
    done.expect("batch_set with a TTL");
    check_read_paths(&backend, &names, Expect::Live(&deadline)).await;
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &names, Expect::Gone).await;
    check_read_paths(&backend, &["b/keep"], Expect::Present).await;
}

/// A `batch_write` put with a TTL expires; a put without one in the same batch stays.
pub async fn batch_write_put_with_ttl_expires(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    if !can_batch_write(&backend).await {
        return;
    }
    let ttl = short_ttl(&support);
    backend.set("old", V, None).await.expect("set");
    let ops = [
        WriteOp::put_with_ttl("short", V.to_vec(), ttl),
        WriteOp::put("long", V.to_vec()),
        WriteOp::delete("old"),
    ];
    let (done, deadline) = timed(&support, ttl, backend.batch_write(&ops)).await;
    done.expect("batch_write");
    let got = backend.get("short").await.expect("get");
    deadline.assert_live(got.is_some(), "get right after the write");
    assert_ne!(backend.ttl("short").await.expect("ttl"), KeyTtl::Persistent);
    assert_eq!(backend.ttl("long").await.expect("ttl"), KeyTtl::Persistent);
    assert_eq!(backend.get("old").await.expect("get"), None);
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &["short"], Expect::Gone).await;
    check_read_paths(&backend, &["long"], Expect::Present).await;
}

/// `set_if_absent` with a TTL writes a key that expires; while it lives, a second caller loses.
pub async fn set_if_absent_with_ttl_expires(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    if !can_write_conditionally(&backend).await {
        return;
    }
    let ttl = short_ttl(&support);
    let both = async {
        let first = backend.set_if_absent("lock", V, Some(ttl)).await;
        let second = backend.set_if_absent("lock", b"8", Some(ttl)).await;
        (first, second)
    };
    let ((first, second), deadline) = timed(&support, ttl, both).await;
    assert!(first.expect("set_if_absent"), "the key was absent");
    deadline.assert_live(
        !second.expect("second set_if_absent"),
        "a second caller won",
    );
    deadline.wait_until_gone().await;
    check_read_paths(&backend, &["lock"], Expect::Gone).await;
}

/// An expired key is absent for conditional writes and counters: set_if_absent wins, a
/// compare-and-swap expecting `None` succeeds, one expecting the old value fails, and an
/// increment starts from 0.
pub async fn expired_key_is_absent_for_conditional_writes(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let counts = can_increment(&backend).await;
    if !can_write_conditionally(&backend).await {
        return;
    }
    let ttl = short_ttl(&support);
    let batch = entries(&["sia", "cas-none", "cas-old", "counter"]);
    let (done, deadline) = timed(&support, ttl, backend.batch_set(&batch, Some(ttl))).await;
    done.expect("batch_set with a TTL");
    let got = backend.get("sia").await.expect("get");
    deadline.assert_live(got.is_some(), "get right after the write");
    deadline.wait_until_gone().await;
    assert!(
        backend
            .set_if_absent("sia", b"8", None)
            .await
            .expect("set_if_absent")
    );
    assert_eq!(backend.get("sia").await.expect("get"), Some(b"8".to_vec()));
    let swapped = backend.compare_and_swap("cas-none", None, Some(b"8")).await;
    assert!(
        swapped.expect("compare_and_swap"),
        "expected None on an expired key"
    );
    assert_eq!(
        backend.get("cas-none").await.expect("get"),
        Some(b"8".to_vec())
    );
    let stale = backend
        .compare_and_swap("cas-old", Some(V), Some(b"8"))
        .await;
    assert!(
        !stale.expect("compare_and_swap"),
        "matched the value of an expired key"
    );
    assert_eq!(backend.get("cas-old").await.expect("get"), None);
    if counts {
        assert_eq!(backend.increment("counter", 1).await.expect("increment"), 1);
    }
}
