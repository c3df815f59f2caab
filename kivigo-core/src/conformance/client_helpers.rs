//! Cases for what the typed client builds on the contract: read-modify-write updates,
//! compute-once caching, order-preserving multi-key reads, typed conditional writes and
//! counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Barrier;

use super::gates::{can_increment, can_write_conditionally, unsupported};
use super::support::expect_err;
use crate::{Backend, Client, Error, Operation};

/// Tasks, and updates per task, of the update race.
const TASKS: usize = 16;
const UPDATES: usize = 50;
/// Callers of get_or_set_with at once.
const CALLERS: usize = 100;

/// 16 tasks × 50 `update::<u64>` increments of one key end at exactly 800. Without conditional
/// writes, `update` fails with the backend's `Unsupported`.
pub async fn update_race_is_exact(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend.clone());
    if !can_write_conditionally(&backend).await {
        expect_err(
            client
                .update::<u64, _>("n", |n| Some(n.unwrap_or(0) + 1))
                .await,
            "update without conditional writes",
            unsupported(Operation::CompareAndSwap),
        );
        return;
    }
    let mut tasks = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..UPDATES {
                let next = client
                    .update::<u64, _>("n", |n| Some(n.unwrap_or(0) + 1))
                    .await;
                assert!(next.expect("update").is_some_and(|n| n >= 1));
            }
        }));
    }
    for task in tasks {
        task.await.expect("task panicked");
    }
    let total = (TASKS * UPDATES) as u64;
    assert_eq!(client.get::<u64>("n").await.expect("get"), Some(total));
}

/// An update that returns `None` deletes the key; on a missing key it writes nothing.
pub async fn update_returning_none_deletes(backend: Arc<dyn Backend>) {
    if !can_write_conditionally(&backend).await {
        return;
    }
    let client = Client::from_arc(backend);
    client.set("n", &5_u64).await.expect("set");
    let mut seen = None;
    let written = client
        .update::<u64, _>("n", |n| {
            seen = n;
            None
        })
        .await
        .expect("update");
    assert_eq!((written, seen), (None, Some(5)));
    assert!(!client.has_key("n").await.expect("has_key"), "not deleted");
    let nothing = client
        .update::<u64, _>("none", |_| None)
        .await
        .expect("update");
    assert_eq!(nothing, None);
    assert!(!client.has_key("none").await.expect("has_key"));
    let created = client
        .update::<u64, _>("new", |n| Some(n.unwrap_or(40) + 2))
        .await;
    assert_eq!(created.expect("update"), Some(42));
    assert_eq!(client.get::<u64>("new").await.expect("get"), Some(42));
}

/// 100 callers of get_or_set_with for one key at once share one computation and all get its
/// value; a later call finds the stored value and does not compute.
pub async fn get_or_set_with_computes_once(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend);
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(CALLERS));
    let mut tasks = Vec::with_capacity(CALLERS);
    for _ in 0..CALLERS {
        let (client, calls, start) = (client.clone(), calls.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            client
                .get_or_set_with("report", None, || async move {
                    let call = calls.fetch_add(1, Ordering::SeqCst);
                    // Stay busy across many polls so the other callers arrive meanwhile.
                    for _ in 0..100 {
                        tokio::task::yield_now().await;
                    }
                    Ok::<_, Error>(format!("computed by call {call}"))
                })
                .await
                .expect("get_or_set_with")
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task panicked"), "computed by call 0");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "computed more than once");
    let later: String = client
        .get_or_set_with("report", None, || async {
            Ok::<_, Error>("computed again".to_owned())
        })
        .await
        .expect("get_or_set_with");
    assert_eq!(later, "computed by call 0");
    assert_eq!(
        client.get::<String>("report").await.expect("get"),
        Some(later)
    );
}

/// get_many answers in the order asked, `None` for missing keys, duplicates included;
/// exists_many likewise.
pub async fn get_many_and_exists_many_keep_order(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend);
    client.set("a", &1_u32).await.expect("set");
    client.set("b", &2_u32).await.expect("set");
    let asked = ["b", "missing", "a", "a", "b", "also-missing", "missing"];
    let many: Vec<Option<u32>> = client.get_many(asked).await.expect("get_many");
    assert_eq!(many, [Some(2), None, Some(1), Some(1), Some(2), None, None]);
    let exists = client.exists_many(asked).await.expect("exists_many");
    assert_eq!(exists, [true, false, true, true, true, false, false]);
    let empty: Vec<Option<u32>> = client.get_many(Vec::<String>::new()).await.expect("empty");
    assert!(empty.is_empty());
    assert!(
        client
            .exists_many(Vec::<String>::new())
            .await
            .expect("empty")
            .is_empty()
    );
}

/// Typed set_if_absent and compare_and_swap compare and write encoded values.
pub async fn typed_conditional_writes(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend.clone());
    if !can_write_conditionally(&backend).await {
        expect_err(
            client.set_if_absent("k", &1_u32, None).await,
            "typed set_if_absent",
            unsupported(Operation::SetIfAbsent),
        );
        return;
    }
    assert!(
        client
            .set_if_absent("k", &1_u32, None)
            .await
            .expect("set_if_absent")
    );
    assert!(
        !client
            .set_if_absent("k", &2_u32, None)
            .await
            .expect("set_if_absent")
    );
    assert_eq!(client.get::<u32>("k").await.expect("get"), Some(1));
    assert!(
        !client
            .compare_and_swap("k", Some(&2_u32), Some(&3))
            .await
            .expect("cas")
    );
    assert!(
        client
            .compare_and_swap("k", Some(&1_u32), Some(&3))
            .await
            .expect("cas")
    );
    assert_eq!(client.get::<u32>("k").await.expect("get"), Some(3));
    assert!(
        client
            .compare_and_swap::<u32>("n", None, Some(&9))
            .await
            .expect("cas create")
    );
    assert!(
        client
            .compare_and_swap("k", Some(&3_u32), None)
            .await
            .expect("cas delete")
    );
    assert!(!client.has_key("k").await.expect("has_key"));
    assert_eq!(client.get::<u32>("n").await.expect("get"), Some(9));
}

/// Counters are JSON numbers: the typed client reads what increment wrote and increments what it
/// wrote.
pub async fn typed_counters_are_json_numbers(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend.clone());
    if !can_increment(&backend).await {
        expect_err(
            client.increment("n", 1).await,
            "typed increment",
            unsupported(Operation::Increment),
        );
        return;
    }
    assert_eq!(client.increment("n", -4).await.expect("increment"), -4);
    assert_eq!(client.get::<i64>("n").await.expect("get"), Some(-4));
    client.set("m", &41_i64).await.expect("set");
    assert_eq!(client.increment("m", 1).await.expect("increment"), 42);
    assert_eq!(client.get::<i64>("m").await.expect("get"), Some(42));
}
