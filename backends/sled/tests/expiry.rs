//! What only sled's expiry storage can get wrong.
//!
//! Deadlines across close and reopen, the sweeper and its option, releasing the database, and
//! plain writes racing writes with a TTL.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::{Backend, Entry, KeyTtl};
use kivigo_sled::{FlushPolicy, SledBackend, SledConfig};
use tokio::time::Instant;

const HOUR: Duration = Duration::from_secs(3600);
/// Bounds waits for the sweeper, so a broken one fails the test instead of hanging it.
const HANG_GUARD: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ttl_survives_close_and_reopen_with_the_same_deadline() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let ttl = Duration::from_millis(600);
    let store = support::open(dir.path(), Duration::from_secs(1)).await;
    let written = Instant::now();
    store.set("short", b"v", Some(ttl)).await.expect("set");
    store.set("long", b"v", Some(HOUR)).await.expect("set");
    store.set("kept", b"v", None).await.expect("set");
    let before = store
        .ttl("short")
        .await
        .expect("ttl")
        .remaining()
        .expect("expires");
    let measured = Instant::now();
    store.close().await.expect("close");

    let store = support::open(dir.path(), Duration::from_secs(1)).await;
    let after = store
        .ttl("short")
        .await
        .expect("ttl")
        .remaining()
        .expect("still there");
    // The deadline is the stored one: what is left shrank by at least the time that passed.
    assert!(
        after + measured.elapsed() <= before + Duration::from_millis(1),
        "{before:?} -> {after:?}"
    );
    assert_eq!(store.ttl("kept").await.expect("ttl"), KeyTtl::Persistent);
    // The reopened store knows keys expire: a plain set still clears an old TTL.
    store
        .set("long", b"now persistent", None)
        .await
        .expect("set");
    assert_eq!(store.ttl("long").await.expect("ttl"), KeyTtl::Persistent);
    support::wait_expired(written, ttl).await;
    assert_eq!(store.get("short").await.expect("get"), None);
    assert_eq!(store.get("kept").await.expect("get"), Some(b"v".to_vec()));
    store.close().await.expect("close");
    assert_eq!(support::assert_expiry_consistent(dir.path()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_removes_expired_entries_from_every_tree() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = support::open(dir.path(), Duration::from_millis(10)).await;
    // More than one sweep chunk (1,000) of entries.
    let entries: Vec<Entry> = (0..2500)
        .map(|i| (format!("k{i:04}"), b"v".to_vec()))
        .collect();
    let ttl = Duration::from_millis(50);
    let written = Instant::now();
    store
        .batch_set(&entries, Some(ttl))
        .await
        .expect("batch_set");
    store.set("stays", b"v", None).await.expect("set");
    store.set("later", b"v", Some(HOUR)).await.expect("set");
    support::wait_expired(written, ttl).await;
    let guard = Instant::now() + HANG_GUARD;
    while store.stored_entries().await.expect("count") > 2 && Instant::now() < guard {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(store.list("").await.expect("list"), ["later", "stays"]);
    store.close().await.expect("close");
    assert_eq!(support::raw_counts(dir.path()), (2, 1, 1));
    assert_eq!(support::assert_expiry_consistent(dir.path()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_sweep_interval_leaves_expired_entries_stored_but_hidden() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sled://{}?sweep_interval=0s", dir.path().display());
    let store = kivigo_sled::open_url(&url.parse().expect("url"))
        .await
        .expect("open");
    let ttl = Duration::from_millis(20);
    let written = Instant::now();
    let entries: Vec<Entry> = (0..3).map(|i| (format!("k{i}"), b"v".to_vec())).collect();
    store
        .batch_set(&entries, Some(ttl))
        .await
        .expect("batch_set");
    support::wait_expired(written, ttl).await;
    assert!(
        store
            .batch_get(&["k0".to_owned(), "k1".to_owned()])
            .await
            .expect("batch_get")
            .is_empty()
    );
    assert!(store.list("").await.expect("list").is_empty());
    assert_eq!(store.stored_entries().await.expect("count"), 3);
    store.close().await.expect("close");
    assert_eq!(support::raw_counts(dir.path()), (3, 3, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_path_reopens_right_after_close() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for round in 0..5_u8 {
        // Each round starts the sweeper (a write with a TTL) before closing.
        let store = support::open(dir.path(), Duration::from_millis(1)).await;
        store.set("round", &[round], Some(HOUR)).await.expect("set");
        store.close().await.expect("close");
        assert!(matches!(
            store.get("round").await,
            Err(kivigo_core::Error::Closed { .. })
        ));
    }
    // Raw sled can take the database too: nothing of kivigo holds it after close.
    let db = sled::open(dir.path()).expect("raw open after close");
    assert_eq!(db.get("round").expect("raw get").as_deref(), Some(&[4][..]));
}

#[tokio::test(flavor = "current_thread")]
async fn close_releases_the_database_on_a_current_thread_runtime_too() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = support::open(dir.path(), Duration::from_millis(1)).await;
    store.set("k", b"v", Some(HOUR)).await.expect("set");
    let keys: Vec<String> = (0..300).map(|i| format!("big{i:03}")).collect();
    let entries: Vec<Entry> = keys.iter().map(|k| (k.clone(), b"v".to_vec())).collect();
    store
        .batch_set(&entries, None)
        .await
        .expect("a batch on the blocking pool");
    assert_eq!(store.batch_get(&keys).await.expect("batch_get").len(), 300);
    store.close().await.expect("close");
    let again = support::open(dir.path(), Duration::from_millis(1)).await;
    assert_eq!(again.get("k").await.expect("get"), Some(b"v".to_vec()));
    again.close().await.expect("close");
}

/// Plain sets and sets with a TTL on the same keys, concurrently, from the very first TTL write
/// of a fresh database on (when the store switches to expiring mode): afterwards every key's
/// TTL is the one of the write whose value it holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_plain_and_ttl_sets_never_leave_a_stale_ttl() {
    const KEYS: usize = 16;
    const TASKS: usize = 4;
    for _database in 0..10 {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = SledConfig {
            flush: FlushPolicy::Every(HOUR),
            ..SledConfig::new(dir.path())
        };
        let store = Arc::new(SledBackend::open(config).await.expect("open"));
        let mut tasks = Vec::new();
        for task in 0..TASKS * 2 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let with_ttl = task % 2 == 1;
                for round in 0..3 {
                    for key in 0..KEYS {
                        let key = format!("k{key:02}");
                        if with_ttl {
                            store.set(&key, b"ttl", Some(HOUR)).await.expect("set ttl");
                        } else if round == 1 {
                            let entries = vec![(key, b"plain".to_vec())];
                            store.batch_set(&entries, None).await.expect("batch_set");
                        } else {
                            store.set(&key, b"plain", None).await.expect("set");
                        }
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        for key in 0..KEYS {
            let key = format!("k{key:02}");
            let value = store.get(&key).await.expect("get").expect("written");
            let ttl = store.ttl(&key).await.expect("ttl");
            match value.as_slice() {
                b"plain" => assert_eq!(ttl, KeyTtl::Persistent, "{key}"),
                _ => assert!(ttl.remaining().is_some(), "{key}: {ttl:?}"),
            }
        }
        store.close().await.expect("close");
        support::assert_expiry_consistent(dir.path());
    }
}
