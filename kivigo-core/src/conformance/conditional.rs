//! Cases for conditional writes: set_if_absent and compare_and_swap, alone and racing.

use std::sync::Arc;

use tokio::sync::Barrier;

use super::gates::can_write_conditionally;
use crate::Backend;
use crate::backend::counter;

/// Tasks racing for one key with set_if_absent.
const RACERS: usize = 32;
/// Tasks, and increments per task, of the compare-and-swap counter race.
const CAS_TASKS: usize = 16;
const CAS_INCREMENTS: usize = 50;
/// Attempts one increment of the counter race may take; far more than 16 contenders need.
const CAS_ATTEMPTS: usize = 10_000;

/// `set_if_absent` writes a missing key and returns true; on an existing key (even one holding
/// an empty value) it returns false and leaves the value.
pub async fn set_if_absent_writes_only_missing_keys(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    assert!(
        backend
            .set_if_absent("k", b"first", None)
            .await
            .expect("set_if_absent")
    );
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"first".to_vec())
    );
    assert!(
        !backend
            .set_if_absent("k", b"second", None)
            .await
            .expect("set_if_absent")
    );
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"first".to_vec())
    );
    backend.set("empty", b"", None).await.expect("set");
    assert!(
        !backend
            .set_if_absent("empty", b"x", None)
            .await
            .expect("set_if_absent")
    );
    assert_eq!(backend.get("empty").await.expect("get"), Some(Vec::new()));
    assert!(backend.delete("k").await.expect("delete"));
    assert!(
        backend
            .set_if_absent("k", b"again", None)
            .await
            .expect("after delete")
    );
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"again".to_vec())
    );
}

/// Of 32 tasks calling set_if_absent on one key at once with distinct values, exactly one wins,
/// and the stored value is the winner's.
pub async fn set_if_absent_race_has_one_winner(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    let start = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::with_capacity(RACERS);
    for racer in 0..RACERS {
        let (backend, start) = (backend.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let value = format!("racer-{racer}");
            start.wait().await;
            let won = backend.set_if_absent("lock", value.as_bytes(), None).await;
            (won.expect("set_if_absent"), value)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (won, value) = task.await.expect("task panicked");
        if won {
            winners.push(value);
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = backend.get("lock").await.expect("get");
    assert_eq!(stored, Some(winners[0].clone().into_bytes()));
}

/// A compare-and-swap whose expected value matches swaps; one that does not returns false and
/// changes nothing.
pub async fn compare_and_swap_swaps_only_on_match(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    backend.set("k", b"one", None).await.expect("set");
    assert!(
        backend
            .compare_and_swap("k", Some(b"one"), Some(b"two"))
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("k").await.expect("get"), Some(b"two".to_vec()));
    assert!(
        !backend
            .compare_and_swap("k", Some(b"one"), Some(b"three"))
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("k").await.expect("get"), Some(b"two".to_vec()));
}

/// `expected: None` means "absent": it creates a missing key and fails on an existing one.
pub async fn compare_and_swap_none_expected_means_absent(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    // Expecting absence and asking for absence holds on an absent key, and creates nothing.
    assert!(
        backend
            .compare_and_swap("k", None, None)
            .await
            .expect("cas absent to absent")
    );
    assert_eq!(backend.get("k").await.expect("get"), None);
    assert!(
        backend
            .compare_and_swap("k", None, Some(b"new"))
            .await
            .expect("cas create")
    );
    assert_eq!(backend.get("k").await.expect("get"), Some(b"new".to_vec()));
    assert!(
        !backend
            .compare_and_swap("k", None, Some(b"other"))
            .await
            .expect("cas")
    );
    assert!(
        !backend
            .compare_and_swap("k", None, None)
            .await
            .expect("cas on a present key expecting absence")
    );
    assert_eq!(backend.get("k").await.expect("get"), Some(b"new".to_vec()));
}

/// `new: None` deletes the key when the expected value matches (delete-if-equal) and leaves it
/// when it does not.
pub async fn compare_and_swap_none_new_deletes_if_equal(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    backend.set("k", b"mine", None).await.expect("set");
    assert!(
        !backend
            .compare_and_swap("k", Some(b"theirs"), None)
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("k").await.expect("get"), Some(b"mine".to_vec()));
    assert!(
        backend
            .compare_and_swap("k", Some(b"mine"), None)
            .await
            .expect("cas delete")
    );
    assert_eq!(backend.get("k").await.expect("get"), None);
    assert!(
        !backend
            .compare_and_swap("k", Some(b"mine"), None)
            .await
            .expect("cas on absent")
    );
}

/// Values are compared byte for byte: a prefix, a longer value or another case does not match,
/// binary bytes match exactly, and an empty value is not the same as an absent key.
pub async fn compare_and_swap_compares_bytes_exactly(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    backend.set("k", b"abc", None).await.expect("set");
    for wrong in [&b"ab"[..], b"abcd", b"ABC", b"abc\0", b""] {
        assert!(
            !backend
                .compare_and_swap("k", Some(wrong), Some(b"x"))
                .await
                .expect("cas"),
            "{wrong:?} matched b\"abc\""
        );
    }
    assert_eq!(backend.get("k").await.expect("get"), Some(b"abc".to_vec()));
    let binary: Vec<u8> = vec![0, 0xff, 0x80, b'\n', 0];
    backend.set("bin", &binary, None).await.expect("set");
    assert!(
        backend
            .compare_and_swap("bin", Some(&binary), Some(b"y"))
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("bin").await.expect("get"), Some(b"y".to_vec()));
    backend.set("empty", b"", None).await.expect("set");
    assert!(
        !backend
            .compare_and_swap("empty", None, Some(b"x"))
            .await
            .expect("cas")
    );
    assert!(
        !backend
            .compare_and_swap("absent", Some(b""), Some(b"x"))
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("absent").await.expect("get"), None);
    assert!(
        backend
            .compare_and_swap("empty", Some(b""), Some(b"z"))
            .await
            .expect("cas")
    );
    assert_eq!(
        backend.get("empty").await.expect("get"),
        Some(b"z".to_vec())
    );
}

/// 16 tasks each count 50 times with a raw get + compare-and-swap loop: the counter ends at
/// exactly 800, so no swap was lost.
pub async fn compare_and_swap_counter_race_is_exact(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    let mut tasks = Vec::with_capacity(CAS_TASKS);
    for _ in 0..CAS_TASKS {
        let backend = backend.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..CAS_INCREMENTS {
                cas_increment(&backend, "counter").await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("task panicked");
    }
    let total = (CAS_TASKS * CAS_INCREMENTS).to_string();
    assert_eq!(
        backend.get("counter").await.expect("get"),
        Some(total.into_bytes())
    );
}

/// Adds one to the decimal counter at `key` with a get + compare-and-swap loop.
async fn cas_increment(backend: &Arc<dyn Backend>, key: &str) {
    for _ in 0..CAS_ATTEMPTS {
        let current = backend.get(key).await.expect("get");
        let (_, next) = counter::next(key, current.as_deref(), 1).expect("a decimal counter");
        if backend
            .compare_and_swap(key, current.as_deref(), Some(&next))
            .await
            .expect("compare_and_swap")
        {
            return;
        }
    }
    panic!("one increment lost {CAS_ATTEMPTS} compare-and-swap races in a row");
}
