//! Cases for `increment`: decimal counters, typed errors, and exact counts under contention.

use std::sync::Arc;

use super::gates::can_increment;
use super::support::expect_err;
use crate::{Backend, Error};

/// Tasks, and increments per task, of the increment race.
const TASKS: usize = 16;
const INCREMENTS: usize = 50;

/// A missing key counts as 0; positive and negative deltas add up, below zero too, and the
/// stored bytes are the decimal text of the result.
pub async fn increment_counts_from_zero_both_ways(backend: Arc<dyn Backend>) {
    if !can_increment(&backend).await {
        return;
    }
    assert_eq!(backend.increment("n", 5).await.expect("increment"), 5);
    assert_eq!(backend.get("n").await.expect("get"), Some(b"5".to_vec()));
    assert_eq!(backend.increment("n", -8).await.expect("increment"), -3);
    assert_eq!(backend.get("n").await.expect("get"), Some(b"-3".to_vec()));
    assert_eq!(backend.increment("n", 3).await.expect("increment"), 0);
    assert_eq!(backend.get("n").await.expect("get"), Some(b"0".to_vec()));
    assert_eq!(backend.increment("m", -2).await.expect("increment"), -2);
    assert_eq!(backend.increment("z", 0).await.expect("increment by 0"), 0);
    assert_eq!(backend.get("z").await.expect("get"), Some(b"0".to_vec()));
}

/// A decimal value written by `set` is a counter.
pub async fn increment_reads_a_value_written_by_set(backend: Arc<dyn Backend>) {
    if !can_increment(&backend).await {
        return;
    }
    backend.set("n", b"41", None).await.expect("set");
    assert_eq!(backend.increment("n", 1).await.expect("increment"), 42);
    assert_eq!(backend.get("n").await.expect("get"), Some(b"42".to_vec()));
    backend.set("neg", b"-10", None).await.expect("set");
    assert_eq!(backend.increment("neg", 4).await.expect("increment"), -6);
}

/// A value that is not the decimal text of an i64 is `NotANumber` naming the key, and stays.
pub async fn increment_refuses_values_that_are_not_numbers(backend: Arc<dyn Backend>) {
    if !can_increment(&backend).await {
        return;
    }
    for (i, bad) in [&b"abc"[..], b"1.5", b" 1", b"", b"+1", b"1 ", b"\xff"]
        .into_iter()
        .enumerate()
    {
        let key = format!("bad{i}");
        backend.set(&key, bad, None).await.expect("set");
        expect_err(
            backend.increment(&key, 1).await,
            &format!("increment of {bad:?}"),
            |e| matches!(e, Error::NotANumber { key: named } if *named == key),
        );
        assert_eq!(
            backend.get(&key).await.expect("get"),
            Some(bad.to_vec()),
            "changed"
        );
    }
}

/// Going past `i64::MAX` or `i64::MIN` is `Overflow`, and the counter keeps its value.
pub async fn increment_overflow_is_an_error(backend: Arc<dyn Backend>) {
    if !can_increment(&backend).await {
        return;
    }
    let overflow = |e: &Error| matches!(e, Error::Overflow { .. });
    let max = i64::MAX.to_string().into_bytes();
    backend.set("max", &max, None).await.expect("set");
    expect_err(backend.increment("max", 1).await, "i64::MAX + 1", overflow);
    assert_eq!(backend.get("max").await.expect("get"), Some(max));
    let min = i64::MIN.to_string().into_bytes();
    backend.set("min", &min, None).await.expect("set");
    expect_err(backend.increment("min", -1).await, "i64::MIN - 1", overflow);
    assert_eq!(backend.get("min").await.expect("get"), Some(min));
    assert_eq!(
        backend
            .increment("near", i64::MAX)
            .await
            .expect("to the top"),
        i64::MAX
    );
    expect_err(
        backend.increment("near", i64::MAX).await,
        "past the top",
        overflow,
    );
    assert_eq!(
        backend
            .increment("near", i64::MIN)
            .await
            .expect("back down"),
        -1
    );
}

/// 16 tasks × 50 increments of one counter: it ends at exactly 800, and every increment
/// returned a different value (1 to 800), so none was lost or doubled.
pub async fn increment_race_is_exact(backend: Arc<dyn Backend>) {
    if !can_increment(&backend).await {
        return;
    }
    let mut tasks = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let backend = backend.clone();
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::with_capacity(INCREMENTS);
            for _ in 0..INCREMENTS {
                seen.push(backend.increment("hits", 1).await.expect("increment"));
            }
            seen
        }));
    }
    let mut returned = Vec::with_capacity(TASKS * INCREMENTS);
    for task in tasks {
        returned.extend(task.await.expect("task panicked"));
    }
    returned.sort_unstable();
    let total = (TASKS * INCREMENTS) as i64;
    assert!(
        returned.iter().copied().eq(1..=total),
        "returned values repeat or skip"
    );
    assert_eq!(
        backend.get("hits").await.expect("get"),
        Some(total.to_string().into_bytes())
    );
}
