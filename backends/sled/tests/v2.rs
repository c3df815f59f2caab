//! The v2 contract on sled, with real expiry.
//!
//! What the memory backend does, sled does, both before its first TTL write (plain mode) and
//! after it (expiring mode).

mod support;

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::{Atomicity, Backend, Entry, Error, KeyTtl, ScanOrder, WriteOp};
use kivigo_sled::{FlushPolicy, SledBackend, SledConfig};
use tokio::time::Instant;

const HOUR: Duration = Duration::from_secs(3600);
const SHORT: Duration = Duration::from_millis(40);

/// A fresh store; with `expiring`, already switched to expiring mode (a TTL was written and
/// removed, and no sweeper switches it back).
async fn fresh(expiring: bool) -> (tempfile::TempDir, Arc<SledBackend>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SledBackend::open(SledConfig {
        flush: FlushPolicy::Every(HOUR),
        sweep_interval: Duration::ZERO,
        ..SledConfig::new(dir.path())
    })
    .await
    .expect("open");
    if expiring {
        store.set("~mode", b"", Some(HOUR)).await.expect("set");
        assert!(store.delete("~mode").await.expect("delete"));
    }
    (dir, Arc::new(store))
}

fn entries(prefix: &str, count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| (format!("{prefix}{i:05}"), format!("{i}").into_bytes()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_report_every_v2_feature() {
    let (_dir, store) = fresh(false).await;
    let caps = store.capabilities();
    assert!(caps.list && caps.native_batch && caps.batch_write);
    assert_eq!(caps.scan, Some(ScanOrder::Sorted));
    assert_eq!(caps.atomic_batch, Atomicity::Whole);
    let ttl = caps.ttl.expect("ttl");
    assert_eq!(ttl.granularity, Duration::from_millis(1));
    assert!(caps.conditional_writes && caps.increment && caps.native_increment);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_entries_are_gone_for_every_read_and_write_path() {
    let (_dir, store) = fresh(false).await;
    let written = Instant::now();
    store.set("single", b"v", Some(SHORT)).await.expect("set");
    store
        .batch_set(&entries("batch", 3), Some(SHORT))
        .await
        .expect("batch_set");
    store
        .batch_write(&[WriteOp::put_with_ttl("op", b"v".to_vec(), SHORT)])
        .await
        .expect("batch_write");
    for key in ["cas", "counter", "absent", "expire", "deleted"] {
        store.set(key, b"7", Some(SHORT)).await.expect("set");
    }
    store.set("kept", b"v", None).await.expect("set");
    support::wait_expired(written, SHORT).await;

    for key in ["single", "batch00000", "op", "cas"] {
        assert_eq!(store.get(key).await.expect("get"), None, "{key}");
        assert_eq!(store.ttl(key).await.expect("ttl"), KeyTtl::Missing, "{key}");
    }
    let asked: Vec<String> = ["single", "batch00001", "op", "kept"]
        .map(String::from)
        .to_vec();
    let found = store.batch_get(&asked).await.expect("batch_get");
    assert_eq!(found.keys().collect::<Vec<_>>(), ["kept"]);
    assert_eq!(store.list("").await.expect("list"), ["kept"]);
    let page = store.scan("", None, 2).await.expect("scan");
    assert_eq!((page.keys, page.cursor), (vec!["kept".to_owned()], None));

    // Expired counts as absent for conditional writes and counters.
    assert!(
        store
            .compare_and_swap("cas", None, Some(b"new"))
            .await
            .expect("cas")
    );
    assert_eq!(store.ttl("cas").await.expect("ttl"), KeyTtl::Persistent);
    assert_eq!(store.increment("counter", 5).await.expect("increment"), 5);
    assert_eq!(store.ttl("counter").await.expect("ttl"), KeyTtl::Persistent);
    assert!(
        store
            .set_if_absent("absent", b"mine", None)
            .await
            .expect("set_if_absent")
    );
    assert!(!store.expire("expire", Some(HOUR)).await.expect("expire"));
    assert_eq!(store.get("expire").await.expect("get"), None);
    assert!(!store.delete("deleted").await.expect("delete"));
    assert_eq!(
        store
            .batch_delete(&["batch00002".to_owned()])
            .await
            .expect("count"),
        0
    );
}

async fn ttl_read_back_expire_and_persist(expiring: bool) {
    let (_dir, store) = fresh(expiring).await;
    store
        .set("k", b"v", Some(Duration::from_secs(10)))
        .await
        .expect("set");
    let left = store
        .ttl("k")
        .await
        .expect("ttl")
        .remaining()
        .expect("expires");
    assert!(
        left <= Duration::from_secs(10) && left > Duration::from_secs(9),
        "{left:?}"
    );
    assert_eq!(store.ttl("missing").await.expect("ttl"), KeyTtl::Missing);
    assert!(!store.expire("missing", Some(HOUR)).await.expect("expire"));
    assert_eq!(store.get("missing").await.expect("get"), None);

    assert!(store.expire("k", None).await.expect("persist"));
    assert_eq!(store.ttl("k").await.expect("ttl"), KeyTtl::Persistent);
    assert!(store.expire("k", Some(HOUR)).await.expect("expire"));
    assert!(
        store
            .ttl("k")
            .await
            .expect("ttl")
            .remaining()
            .expect("expires")
            > Duration::from_secs(3599)
    );

    // A plain write (single, batch, batch_write, CAS) makes a key persistent again.
    store.set("k", b"plain", None).await.expect("set");
    assert_eq!(store.ttl("k").await.expect("ttl"), KeyTtl::Persistent);
    for key in ["b", "w", "c"] {
        store.set(key, b"v", Some(HOUR)).await.expect("set");
    }
    store
        .batch_set(&[("b".to_owned(), b"2".to_vec())], None)
        .await
        .expect("batch_set");
    store
        .batch_write(&[WriteOp::put("w", b"2".to_vec())])
        .await
        .expect("batch_write");
    assert!(
        store
            .compare_and_swap("c", Some(b"v"), Some(b"2"))
            .await
            .expect("cas")
    );
    for key in ["b", "w", "c"] {
        assert_eq!(
            store.ttl(key).await.expect("ttl"),
            KeyTtl::Persistent,
            "{key}"
        );
    }
    // increment keeps an existing TTL.
    store.set("n", b"1", Some(HOUR)).await.expect("set");
    assert_eq!(store.increment("n", 2).await.expect("increment"), 3);
    assert!(store.ttl("n").await.expect("ttl").remaining().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_read_back_expire_and_persist_in_plain_mode() {
    ttl_read_back_expire_and_persist(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_read_back_expire_and_persist_in_expiring_mode() {
    ttl_read_back_expire_and_persist(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_ttls_and_empty_pages_are_invalid_arguments() {
    let (_dir, store) = fresh(false).await;
    let invalid = |e: &Error| matches!(e, Error::InvalidArgument { .. });
    assert!(
        store
            .set("k", b"v", Some(Duration::ZERO))
            .await
            .is_err_and(|e| invalid(&e))
    );
    assert!(
        store
            .expire("k", Some(Duration::ZERO))
            .await
            .is_err_and(|e| invalid(&e))
    );
    let one = [("k".to_owned(), b"v".to_vec())];
    assert!(
        store
            .batch_set(&one, Some(Duration::ZERO))
            .await
            .is_err_and(|e| invalid(&e))
    );
    assert!(store.scan("", None, 0).await.is_err_and(|e| invalid(&e)));
    assert_eq!(
        store.get("k").await.expect("get"),
        None,
        "nothing was written"
    );
}

async fn counters_and_compare_and_swap(expiring: bool) {
    let (_dir, store) = fresh(expiring).await;
    assert_eq!(store.increment("n", -3).await.expect("increment"), -3);
    assert_eq!(store.get("n").await.expect("get"), Some(b"-3".to_vec()));
    store.set("text", b"007", None).await.expect("set");
    assert!(matches!(
        store.increment("text", 1).await,
        Err(Error::NotANumber { .. })
    ));
    assert_eq!(store.get("text").await.expect("get"), Some(b"007".to_vec()));
    store
        .set("max", i64::MAX.to_string().as_bytes(), None)
        .await
        .expect("set");
    assert!(matches!(
        store.increment("max", 1).await,
        Err(Error::Overflow { delta: 1, .. })
    ));
    assert_eq!(
        store.get("max").await.expect("get"),
        Some(i64::MAX.to_string().into_bytes())
    );

    assert!(
        !store
            .compare_and_swap("c", Some(b"x"), Some(b"y"))
            .await
            .expect("cas")
    );
    assert!(
        store
            .compare_and_swap("c", None, Some(b""))
            .await
            .expect("cas")
    );
    assert!(
        !store
            .compare_and_swap("c", None, Some(b"y"))
            .await
            .expect("cas")
    );
    // The empty value is a value, not absence; bytes compare exactly.
    assert!(
        !store
            .compare_and_swap("c", Some(b" "), Some(b"y"))
            .await
            .expect("cas")
    );
    assert!(
        store
            .compare_and_swap("c", Some(b""), Some(b"y"))
            .await
            .expect("cas")
    );
    assert!(
        store
            .compare_and_swap("c", Some(b"y"), None)
            .await
            .expect("cas delete")
    );
    assert_eq!(store.get("c").await.expect("get"), None);

    // batch_write: atomic mix of puts and deletes, the last operation on a key wins.
    store.set("old", b"v", None).await.expect("set");
    let ops = [
        WriteOp::put("new", b"1".to_vec()),
        WriteOp::delete("old"),
        WriteOp::put("twice", b"first".to_vec()),
        WriteOp::delete("twice"),
        WriteOp::delete("back"),
        WriteOp::put_with_ttl("back", b"last".to_vec(), HOUR),
    ];
    store.batch_write(&ops).await.expect("batch_write");
    assert_eq!(store.get("old").await.expect("get"), None);
    assert_eq!(store.get("twice").await.expect("get"), None);
    assert_eq!(
        store.get("back").await.expect("get"),
        Some(b"last".to_vec())
    );
    assert!(store.ttl("back").await.expect("ttl").remaining().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_compare_and_swap_in_plain_mode() {
    counters_and_compare_and_swap(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_compare_and_swap_in_expiring_mode() {
    counters_and_compare_and_swap(true).await;
}

async fn races(expiring: bool) {
    const TASKS: usize = 8;
    const ROUNDS: i64 = 50;
    let (_dir, store) = fresh(expiring).await;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let won = store
                .set_if_absent("lock", format!("{task}").as_bytes(), Some(HOUR))
                .await
                .expect("set_if_absent");
            for _ in 0..ROUNDS {
                store.increment("hits", 1).await.expect("increment");
                // A compare-and-swap loop, as `Client::update` runs it.
                loop {
                    let current = store.get("cas").await.expect("get");
                    let next = current.as_deref().map_or(0, |bytes| {
                        std::str::from_utf8(bytes)
                            .expect("utf8")
                            .parse::<i64>()
                            .expect("number")
                    }) + 1;
                    let next = next.to_string();
                    if store
                        .compare_and_swap("cas", current.as_deref(), Some(next.as_bytes()))
                        .await
                        .expect("cas")
                    {
                        break;
                    }
                }
            }
            won
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.expect("task"));
    }
    assert_eq!(winners, 1, "exactly one set_if_absent wins");
    let total = (TASKS as i64 * ROUNDS).to_string().into_bytes();
    assert_eq!(store.get("hits").await.expect("get"), Some(total.clone()));
    assert_eq!(store.get("cas").await.expect("get"), Some(total));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_writes_and_counters_race_exactly_in_plain_mode() {
    races(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_writes_and_counters_race_exactly_in_expiring_mode() {
    races(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_page_through_every_key_once_and_resume_after_reopen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = support::open(dir.path(), Duration::ZERO).await;
    let all = entries("s/", 2500);
    store.batch_set(&all, None).await.expect("batch_set");
    store.set("s", b"not under s/", None).await.expect("set");
    store.set("s0", b"not under s/", None).await.expect("set");
    store
        .set("s/00007", b"expires", Some(HOUR))
        .await
        .expect("set");
    let expected: Vec<String> = all.iter().map(|(k, _)| k.clone()).collect();

    // Small pages run inline, big ones off the task: both see every key once, in order.
    for limit in [1, 100, 1000, 5000] {
        let (mut seen, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let page = store
                .scan("s/", cursor.as_deref(), limit)
                .await
                .expect("scan");
            assert!(page.keys.len() <= limit);
            seen.extend(page.keys);
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "limit {limit}");
    }
    // A saved cursor resumes in another backend instance over the same database.
    let first = store.scan("s/", None, 1000).await.expect("scan");
    let saved = first.cursor.expect("more pages");
    store.close().await.expect("close");
    let again = support::open(dir.path(), Duration::ZERO).await;
    let rest = again.scan("s/", Some(&saved), 2000).await.expect("resume");
    assert_eq!(rest.keys, expected[1000..]);
    assert_eq!(rest.cursor, None);
    // Prefixes are literal.
    again.set("p%", b"v", None).await.expect("set");
    again.set("p_", b"v", None).await.expect("set");
    assert_eq!(again.scan("p%", None, 10).await.expect("scan").keys, ["p%"]);
    again.close().await.expect("close");
}
