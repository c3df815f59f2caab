//! memcached's key and value rules against the shared test server: refused before any I/O with
//! the rule named, and the limits reported are the limits that hold.

use kivigo_core::conformance::{run_id, server_url};
use kivigo_core::{Backend, BackendUrl, Error};
use kivigo_memcached::{MAX_KEY_BYTES, MemcachedBackend, MemcachedConfig};

async fn open(prefix: &str) -> Option<MemcachedBackend> {
    let url = server_url("memcached")?;
    let config = MemcachedConfig::from_url(&BackendUrl::parse(&url).expect("URL"))
        .expect("config")
        .with_prefix(format!("kivigo-rules/{}/{prefix}/", run_id()));
    Some(MemcachedBackend::open(config).await.expect("open"))
}

fn reason(result: kivigo_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::InvalidKey { reason, .. }) => reason,
        other => panic!("expected InvalidKey, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_keys_are_refused_before_any_io() {
    let Some(backend) = open("bad").await else {
        return;
    };
    // After close every call that reached the connection would say Closed: InvalidKey proves the
    // check came first.
    backend.close().await.expect("close");
    for key in ["with space", "tab\t", "line\nfeed", "nul\0", "del\u{7f}"] {
        let why = reason(backend.get(key).await);
        assert!(
            why.contains("spaces or control characters"),
            "{key:?}: {why}"
        );
        reason(backend.set(key, b"v", None).await);
        reason(backend.delete(key).await);
        reason(backend.batch_get(&[key.to_owned()]).await);
        reason(backend.batch_delete(&[key.to_owned()]).await);
    }
    let max = backend.capabilities().max_key_size.expect("a key limit");
    let why = reason(backend.get(&"k".repeat(max + 1)).await);
    assert!(
        why.contains("at most 250 bytes") && why.contains("prefix"),
        "{why}"
    );
    assert!(matches!(
        backend.get("fine").await,
        Err(Error::Closed { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_one_bad_key_writes_nothing() {
    let Some(backend) = open("batch").await else {
        return;
    };
    let entries = vec![
        ("good".to_owned(), b"v".to_vec()),
        ("bad key".to_owned(), b"v".to_vec()),
    ];
    reason(backend.batch_set(&entries, None).await);
    assert_eq!(backend.get("good").await.expect("get"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reported_limits_hold_together() {
    let Some(backend) = open("limits").await else {
        return;
    };
    let caps = backend.capabilities().clone();
    let prefix_len = format!("kivigo-rules/{}/limits/", run_id()).len();
    assert_eq!(caps.max_key_size, Some(MAX_KEY_BYTES - prefix_len));
    assert!(!caps.list);
    // The longest key with the largest value: the worst case of memcached's item overhead.
    let key = "é".repeat(caps.max_key_size.expect("key limit") / 2);
    let value = vec![7u8; caps.max_value_size.expect("value limit")];
    backend.set(&key, &value, None).await.expect("largest item");
    assert!(backend.get(&key).await.expect("get") == Some(value.clone()));
    backend
        .batch_set(&[(key.clone(), value)], None)
        .await
        .expect("largest item in a batch");
    assert!(backend.delete(&key).await.expect("delete"));
    assert!(matches!(
        backend.list("").await,
        Err(Error::Unsupported {
            operation: kivigo_core::Operation::List,
            backend: "memcached"
        })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixes_keep_stores_apart() {
    let (Some(left), Some(right)) = (open("left").await, open("right").await) else {
        return;
    };
    left.set("shared-name", b"left", None).await.expect("set");
    assert_eq!(right.get("shared-name").await.expect("get"), None);
    assert!(!right.delete("shared-name").await.expect("delete"));
    assert_eq!(
        left.get("shared-name").await.expect("get"),
        Some(b"left".to_vec())
    );
    assert!(left.delete("shared-name").await.expect("delete"));
}
