//! Cases for time-to-live that need no waiting: reading a TTL back, changing it, the TTL that
//! conditional writes and counters leave, and TTL arguments refused before any I/O.

use std::sync::Arc;
use std::time::Duration;

use super::deadline::long_ttl;
use super::gates::{can_batch_write, can_increment, can_write_conditionally, ttl_support};
use super::support::{ErrorMatch, expect_err, is_invalid_key, is_too_large};
use crate::{Backend, Client, Entry, Error, KeyTtl, Operation, WriteOp};

/// Panics unless `ttl` is a remaining time of more than zero and at most `set`.
#[track_caller]
fn assert_remaining(ttl: KeyTtl, set: Duration, what: &str) {
    match ttl {
        KeyTtl::Remaining(left) => assert!(
            !left.is_zero() && left <= set,
            "{what}: {left:?} left of a {set:?} TTL"
        ),
        other => panic!("{what}: expected a remaining time, got {other:?}"),
    }
}

/// `ttl` says `Missing` for an absent key, `Persistent` after a plain set and the time left
/// (never more than was set) after a set with a TTL.
pub async fn ttl_reads_back_missing_persistent_or_remaining(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = long_ttl(&support);
    assert_eq!(backend.ttl("none").await.expect("ttl"), KeyTtl::Missing);
    backend.set("plain", b"v", None).await.expect("set");
    assert_eq!(backend.ttl("plain").await.expect("ttl"), KeyTtl::Persistent);
    backend
        .set("timed", b"v", Some(ttl))
        .await
        .expect("set with a TTL");
    assert_remaining(backend.ttl("timed").await.expect("ttl"), ttl, "after set");
    assert_eq!(
        backend.get("timed").await.expect("get"),
        Some(b"v".to_vec())
    );
    assert!(backend.delete("timed").await.expect("delete"));
    assert_eq!(backend.ttl("timed").await.expect("ttl"), KeyTtl::Missing);
}

/// `expire` sets or removes the TTL of an existing key and returns true; on a missing key it
/// returns false and creates nothing.
pub async fn expire_reports_whether_the_key_existed(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = long_ttl(&support);
    assert!(
        !backend
            .expire("none", Some(ttl))
            .await
            .expect("expire missing")
    );
    assert!(!backend.expire("none", None).await.expect("persist missing"));
    assert_eq!(
        backend.get("none").await.expect("get"),
        None,
        "expire created the key"
    );
    assert_eq!(backend.ttl("none").await.expect("ttl"), KeyTtl::Missing);
    backend.set("k", b"v", None).await.expect("set");
    assert!(backend.expire("k", Some(ttl)).await.expect("expire"));
    assert_remaining(backend.ttl("k").await.expect("ttl"), ttl, "after expire");
    assert!(backend.expire("k", None).await.expect("persist"));
    assert_eq!(backend.ttl("k").await.expect("ttl"), KeyTtl::Persistent);
    assert!(backend.expire("k", None).await.expect("persist again"));
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"v".to_vec()),
        "value kept"
    );
}

/// The client's TTL helpers: set_with_ttl, batch_set_with_ttl, ttl, expire and persist.
pub async fn client_ttl_helpers_read_back(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = long_ttl(&support);
    let client = Client::from_arc(backend);
    client
        .set_with_ttl("one", &1_u32, ttl)
        .await
        .expect("set_with_ttl");
    assert_remaining(client.ttl("one").await.expect("ttl"), ttl, "set_with_ttl");
    assert_eq!(client.get::<u32>("one").await.expect("get"), Some(1));
    assert!(client.persist("one").await.expect("persist"));
    assert_eq!(client.ttl("one").await.expect("ttl"), KeyTtl::Persistent);
    assert!(client.expire("one", ttl).await.expect("expire"));
    assert_remaining(client.ttl("one").await.expect("ttl"), ttl, "expire");
    assert!(!client.persist("none").await.expect("persist missing"));
    assert!(!client.expire("none", ttl).await.expect("expire missing"));
    client
        .batch_set_with_ttl([("two", &2_u32), ("three", &3)], ttl)
        .await
        .expect("batch_set_with_ttl");
    for key in ["two", "three"] {
        assert_remaining(client.ttl(key).await.expect("ttl"), ttl, key);
    }
    assert_eq!(client.get::<u32>("three").await.expect("get"), Some(3));
}

/// `increment` keeps the TTL a counter has (and a persistent counter stays persistent).
pub async fn increment_keeps_an_existing_ttl(backend: Arc<dyn Backend>) {
    let counts = can_increment(&backend).await;
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    if !counts {
        return;
    }
    let ttl = long_ttl(&support);
    backend
        .set("timed", b"5", Some(ttl))
        .await
        .expect("set with a TTL");
    assert_eq!(backend.increment("timed", 2).await.expect("increment"), 7);
    assert_remaining(
        backend.ttl("timed").await.expect("ttl"),
        ttl,
        "after increment",
    );
    assert_eq!(
        backend.get("timed").await.expect("get"),
        Some(b"7".to_vec())
    );
    assert_eq!(backend.increment("plain", 1).await.expect("increment"), 1);
    assert_eq!(backend.ttl("plain").await.expect("ttl"), KeyTtl::Persistent);
}

/// `set_if_absent` keeps the TTL it is given (none: persistent), and the value a
/// compare-and-swap writes is persistent even when the old one had a TTL.
pub async fn conditional_writes_leave_the_ttl_they_say(backend: Arc<dyn Backend>) {
    let conditional = can_write_conditionally(&backend).await;
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    if !conditional {
        return;
    }
    let ttl = long_ttl(&support);
    assert!(
        backend
            .set_if_absent("lock", b"a", Some(ttl))
            .await
            .expect("set_if_absent")
    );
    assert_remaining(
        backend.ttl("lock").await.expect("ttl"),
        ttl,
        "set_if_absent",
    );
    assert!(
        backend
            .set_if_absent("flag", b"a", None)
            .await
            .expect("set_if_absent")
    );
    assert_eq!(backend.ttl("flag").await.expect("ttl"), KeyTtl::Persistent);
    let swapped = backend
        .compare_and_swap("lock", Some(b"a"), Some(b"b"))
        .await;
    assert!(swapped.expect("compare_and_swap"));
    assert_eq!(backend.ttl("lock").await.expect("ttl"), KeyTtl::Persistent);
    assert_eq!(backend.get("lock").await.expect("get"), Some(b"b".to_vec()));
}

/// A zero TTL is `InvalidArgument` naming the operation, for every write that takes a TTL and
/// for `expire`, through the backend and the client, and nothing is written or changed.
pub async fn zero_ttl_is_invalid_before_io(backend: Arc<dyn Backend>) {
    let conditional = can_write_conditionally(&backend).await;
    let writes_batches = can_batch_write(&backend).await;
    if ttl_support(&backend).await.is_none() {
        return;
    }
    let zero = Some(Duration::ZERO);
    let invalid = |operation: Operation| move |e: &Error| matches!(e, Error::InvalidArgument { operation: op, .. } if *op == operation);
    backend.set("kept", b"v", None).await.expect("set");
    expect_err(
        backend.set("z", b"v", zero).await,
        "set",
        invalid(Operation::Set),
    );
    let entries: Vec<Entry> = vec![("z".into(), b"v".to_vec())];
    expect_err(
        backend.batch_set(&entries, zero).await,
        "batch_set",
        invalid(Operation::BatchSet),
    );
    expect_err(
        backend.expire("kept", zero).await,
        "expire",
        invalid(Operation::Expire),
    );
    if conditional {
        expect_err(
            backend.set_if_absent("z", b"v", zero).await,
            "set_if_absent",
            invalid(Operation::SetIfAbsent),
        );
    }
    if writes_batches {
        let ops = [
            WriteOp::put("z", b"v".to_vec()),
            WriteOp::put_with_ttl("z2", b"v".to_vec(), Duration::ZERO),
        ];
        expect_err(
            backend.batch_write(&ops).await,
            "batch_write",
            invalid(Operation::BatchWrite),
        );
    }
    let client = Client::from_arc(backend.clone());
    expect_err(
        client.set_with_ttl("z", &1, Duration::ZERO).await,
        "Client::set_with_ttl",
        invalid(Operation::Set),
    );
    expect_err(
        client.batch_set_with_ttl([("z", &1)], Duration::ZERO).await,
        "Client::batch_set_with_ttl",
        invalid(Operation::BatchSet),
    );
    expect_err(
        client.expire("kept", Duration::ZERO).await,
        "Client::expire",
        invalid(Operation::Expire),
    );
    for key in ["z", "z2"] {
        assert_eq!(
            backend.get(key).await.expect("get"),
            None,
            "{key} was written"
        );
    }
    assert_eq!(backend.ttl("kept").await.expect("ttl"), KeyTtl::Persistent);
}

/// A batch_set with a TTL and one bad entry (empty key, key or value over the limit) writes
/// nothing.
pub async fn batch_set_with_ttl_and_a_bad_entry_writes_nothing(backend: Arc<dyn Backend>) {
    let Some(support) = ttl_support(&backend).await else {
        return;
    };
    let ttl = Some(long_ttl(&support));
    let caps = backend.capabilities().clone();
    let mut bad: Vec<(Entry, ErrorMatch)> = vec![((String::new(), b"v".to_vec()), is_invalid_key)];
    if let Some(max) = caps.max_key_size {
        bad.push((("k".repeat(max + 1), b"v".to_vec()), is_invalid_key));
    }
    if let Some(max) = caps.max_value_size {
        bad.push((("huge".to_owned(), vec![0; max + 1]), is_too_large));
    }
    for (entry, matches) in bad {
        let batch: Vec<Entry> = vec![
            ("good".into(), b"v".to_vec()),
            entry,
            ("also".into(), b"v".to_vec()),
        ];
        expect_err(
            backend.batch_set(&batch, ttl).await,
            "batch_set with a bad entry",
            matches,
        );
        for key in ["good", "also", "huge"] {
            assert_eq!(
                backend.get(key).await.expect("get"),
                None,
                "{key} was written"
            );
        }
    }
}
