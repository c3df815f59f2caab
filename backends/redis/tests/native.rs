//! The v2 operations as Redis runs them: TTLs in milliseconds on the server, the
//! compare-and-swap script after the server forgot it, scan pages that never exceed their
//! limit, keys written by kivigo-redis 0.1 under its own `prefix` read back through the `Prefix`
//! layer, and errors inside a transaction classified one by one.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, Entry, KeyTtl, ScanOrder, WriteOp};
use kivigo_redis::RedisBackend;
use support::{RedisServer, free_port, redis_server_binary};

/// A private server and a backend on it (some cases flush scripts or reconfigure the server).
async fn private() -> Option<(RedisServer, RedisBackend)> {
    let binary = redis_server_binary()?;
    let server = RedisServer::start(&binary, free_port());
    let backend = kivigo_redis::open_url(&server.url(0).parse().expect("url"))
        .await
        .expect("open");
    Some((server, backend))
}

fn pttl(admin: &mut redis::Connection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query(admin).expect("PTTL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttls_reach_the_server_in_whole_milliseconds() {
    let Some((server, backend)) = private().await else {
        return;
    };
    let mut admin = server.admin();
    backend
        .set("k", b"v", Some(Duration::from_micros(3_600_000_400)))
        .await
        .expect("set");
    let left = pttl(&mut admin, "k");
    assert!(left > 3_599_000 && left <= 3_600_001, "rounded up: {left}");
    let entries: Vec<Entry> = (0..2500)
        .map(|i| (format!("b{i}"), b"v".to_vec()))
        .collect();
    backend
        .batch_set(&entries, Some(Duration::from_secs(60)))
        .await
        .expect("batch_set");
    for (key, _) in &entries {
        let left = pttl(&mut admin, key);
        assert!(left > 0 && left <= 60_000, "{key}: {left}");
    }
    backend.set("k", b"plain", None).await.expect("set");
    assert_eq!(pttl(&mut admin, "k"), -1, "a plain SET clears the TTL");
    assert!(
        backend
            .expire("k", Some(Duration::from_millis(90_000)))
            .await
            .expect("expire")
    );
    assert!(pttl(&mut admin, "k") <= 90_000);
    assert!(backend.expire("k", None).await.expect("persist"));
    assert_eq!(backend.ttl("k").await.expect("ttl"), KeyTtl::Persistent);
    assert!(
        backend
            .expire("k", None)
            .await
            .expect("persist a persistent key")
    );
    assert!(
        !backend
            .expire("gone", None)
            .await
            .expect("persist a missing key")
    );
    // INCRBY keeps the TTL.
    backend
        .set("n", b"1", Some(Duration::from_secs(30)))
        .await
        .expect("set");
    assert_eq!(backend.increment("n", 1).await.expect("increment"), 2);
    assert!(pttl(&mut admin, "n") > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_swap_falls_back_to_eval_when_the_script_is_gone() {
    let Some((server, backend)) = private().await else {
        return;
    };
    let mut admin = server.admin();
    let flush = |admin: &mut redis::Connection| {
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query(admin)
            .expect("SCRIPT FLUSH");
    };
    let cached = |admin: &mut redis::Connection| -> u64 {
        let info: String = redis::cmd("INFO").arg("memory").query(admin).expect("INFO");
        info.lines()
            .find_map(|line| line.strip_prefix("number_of_cached_scripts:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("number_of_cached_scripts")
    };
    assert!(
        backend
            .compare_and_swap("k", None, Some(b"1"))
            .await
            .expect("cas")
    );
    assert_eq!(cached(&mut admin), 1, "SCRIPT LOAD on first use");
    flush(&mut admin);
    assert_eq!(cached(&mut admin), 0);
    // EVALSHA now answers NOSCRIPT: the swap goes as EVAL, and the server caches it again.
    assert!(
        backend
            .compare_and_swap("k", Some(b"1"), Some(b"2"))
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("k").await.expect("get"), Some(b"2".to_vec()));
    assert_eq!(cached(&mut admin), 1, "EVAL cached the script");
    flush(&mut admin);
    assert!(
        !backend
            .compare_and_swap("k", Some(b"1"), None)
            .await
            .expect("cas")
    );
    assert!(
        backend
            .compare_and_swap("k", Some(b"2"), None)
            .await
            .expect("cas")
    );
    assert_eq!(backend.get("k").await.expect("get"), None);
    // A value with a TTL swapped for a new one: the new value is persistent.
    backend
        .set("t", b"old", Some(Duration::from_secs(60)))
        .await
        .expect("set");
    assert!(
        backend
            .compare_and_swap("t", Some(b"old"), Some(b"new"))
            .await
            .expect("cas")
    );
    assert_eq!(pttl(&mut admin, "t"), -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_pages_hold_at_most_their_limit_and_cover_the_keyspace() {
    let Some((server, backend)) = private().await else {
        return;
    };
    assert_eq!(backend.capabilities().scan, Some(ScanOrder::Unordered));
    let entries: Vec<Entry> = (0..3000)
        .map(|i| (format!("s/{i:04}"), Vec::new()))
        .collect();
    backend.batch_set(&entries, None).await.expect("batch_set");
    backend.set("other", b"", None).await.expect("set");
    let expected: HashSet<String> = entries.iter().map(|(key, _)| key.clone()).collect();
    let mut carried = 0;
    for limit in [1, 2, 3, 7, 100, 5000] {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = backend
                .scan("s/", cursor.as_deref(), limit)
                .await
                .expect("scan");
            assert!(
                page.keys.len() <= limit,
                "{} keys, limit {limit}",
                page.keys.len()
            );
            seen.extend(page.keys);
            pages += 1;
            assert!(pages <= 3000 * 2 + 10, "the scan did not end");
            match page.cursor {
                Some(next) => {
                    // A SCAN reply larger than the room left travels in the cursor.
                    if next.contains(',') {
                        carried += 1;
                    }
                    cursor = Some(next);
                }
                None => break,
            }
        }
        assert_eq!(seen, expected, "limit {limit}");
    }
    assert!(
        carried > 0,
        "no SCAN reply ever gave more keys than a page of 1 holds"
    );
    // The whole database with an empty prefix, and a cursor from another backend instance.
    let first = backend.scan("", None, 10).await.expect("scan");
    let resumed = kivigo_redis::open_url(&server.url(0).parse().expect("url"))
        .await
        .expect("open");
    let mut all: HashSet<String> = first.keys.into_iter().collect();
    let mut cursor = first.cursor;
    while let Some(from) = cursor {
        let page = resumed.scan("", Some(&from), 500).await.expect("scan");
        all.extend(page.keys);
        cursor = page.cursor;
    }
    assert_eq!(all.len(), 3001);
    let bad = backend.scan("", Some("not a cursor"), 10).await;
    assert!(
        matches!(bad, Err(kivigo_core::Error::InvalidArgument { .. })),
        "{bad:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_of_the_0_1_prefix_option_read_back_through_the_prefix_layer() {
    let Some((server, backend)) = private().await else {
        return;
    };
    // What kivigo-redis 0.1 with `prefix = "legacy:"` stored: `prefix + key`, values as given.
    let mut admin = server.admin();
    for (key, value) in [
        ("legacy:user:1", "ada"),
        ("legacy:user:2", "bob"),
        ("legacy:n", "41"),
    ] {
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .query(&mut admin)
            .expect("SET");
    }
    let _: () = redis::cmd("SET")
        .arg("legacy:session")
        .arg("s")
        .arg("PX")
        .arg(600_000)
        .query(&mut admin)
        .expect("SET PX");
    let _: () = redis::cmd("SET")
        .arg("elsewhere:user:1")
        .arg("x")
        .query(&mut admin)
        .expect("SET");

    let store = Prefix::new("legacy:")
        .layer(Arc::new(backend))
        .expect("prefix");
    assert_eq!(
        store.get("user:1").await.expect("get"),
        Some(b"ada".to_vec())
    );
    assert_eq!(
        store.list("user:").await.expect("list"),
        ["user:1", "user:2"]
    );
    assert_eq!(
        store.list("").await.expect("list"),
        ["n", "session", "user:1", "user:2"]
    );
    let mut scanned = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.scan("", cursor.as_deref(), 2).await.expect("scan");
        scanned.extend(page.keys);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    scanned.sort_unstable();
    scanned.dedup();
    assert_eq!(scanned, ["n", "session", "user:1", "user:2"]);
    assert!(
        store
            .ttl("session")
            .await
            .expect("ttl")
            .remaining()
            .is_some()
    );
    assert_eq!(store.increment("n", 1).await.expect("increment"), 42);
    // Writes land where 0.1 put them.
    store
        .batch_write(&[
            WriteOp::put("user:3", b"cy".to_vec()),
            WriteOp::delete("user:2"),
        ])
        .await
        .expect("batch_write");
    let raw: Option<String> = redis::cmd("GET")
        .arg("legacy:user:3")
        .query(&mut admin)
        .expect("GET");
    assert_eq!(raw.as_deref(), Some("cy"));
    let gone: Option<String> = redis::cmd("GET")
        .arg("legacy:user:2")
        .query(&mut admin)
        .expect("GET");
    assert_eq!(gone, None);
    let untouched: Option<String> = redis::cmd("GET")
        .arg("elsewhere:user:1")
        .query(&mut admin)
        .expect("GET");
    assert_eq!(untouched.as_deref(), Some("x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_inside_a_transaction_are_classified_like_the_same_errors_alone() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    // A replica whose primary is unreachable and that may not serve stale data: reads answer
    // MASTERDOWN (wait and retry), writes READONLY (permanent), also inside MULTI/EXEC.
    let nowhere = free_port();
    let replica = RedisServer::start_answering(
        &binary,
        free_port(),
        vec![
            "--replicaof".into(),
            "127.0.0.1".into(),
            nowhere.to_string(),
            "--replica-serve-stale-data".into(),
            "no".into(),
        ],
    );
    let backend = kivigo_redis::open_url(&replica.url(0).parse().expect("url"))
        .await
        .expect("open");
    let single = backend.get("k").await.expect_err("MASTERDOWN");
    assert!(single.is_transient(), "{single:?}");
    // Two MGET chunks: one MULTI/EXEC, discarded because of the queued commands' errors.
    let keys: Vec<String> = (0..2000).map(|i| format!("k{i}")).collect();
    let batch = backend
        .batch_get(&keys)
        .await
        .expect_err("MASTERDOWN in a transaction");
    assert!(batch.is_transient(), "{batch:?}");
    let entries: Vec<Entry> = keys
        .iter()
        .map(|key| (key.clone(), b"v".to_vec()))
        .collect();
    let written = backend
        .batch_set(&entries, None)
        .await
        .expect_err("READONLY");
    assert!(!written.is_transient(), "{written:?}");
    let alone = backend.set("k", b"v", None).await.expect_err("READONLY");
    assert!(!alone.is_transient(), "{alone:?}");
}
