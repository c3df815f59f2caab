//! memcached's key and value rules against the shared test server: reported in the capabilities,
//! refused before any I/O with the rule named, also through a `Prefix` layer; and data written
//! under kivigo-memcached 0.1's own `prefix` option read back through the generic one.

use std::sync::Arc;

use kivigo_core::conformance::{run_id, server_url};
use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, BackendUrl, Error, KeyTtl, Operation, WriteOp};
use kivigo_memcached::{KEY_RULES, MAX_KEY_BYTES, MemcachedBackend, open_url};
use memcache::exp::AsyncMetaClient;

async fn open() -> Option<MemcachedBackend> {
    let url = server_url("memcached")?;
    Some(
        open_url(&BackendUrl::parse(&url).expect("URL"))
            .await
            .expect("open"),
    )
}

/// The backend under this run's `prefix` for the test `name`.
async fn open_prefixed(name: &str) -> Option<(Arc<dyn Backend>, String)> {
    let backend = open().await?;
    let prefix = format!("kivigo-rules/{}/{name}/", run_id());
    let layered = Prefix::new(&prefix)
        .layer(Arc::new(backend))
        .expect("prefix");
    Some((layered, prefix))
}

fn reason(result: kivigo_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::InvalidKey { reason, .. }) => reason,
        other => panic!("expected InvalidKey, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capabilities_carry_memcached_s_key_rules() {
    let Some(backend) = open().await else {
        return;
    };
    let caps = backend.capabilities().clone();
    assert_eq!(caps.max_key_size, Some(MAX_KEY_BYTES));
    assert_eq!(caps.key_rules, KEY_RULES);
    assert!(!caps.list && caps.scan.is_none());
    assert!(caps.batch_write && caps.conditional_writes && caps.increment);
    assert!(
        !caps.native_increment,
        "increment is a compare-and-swap loop"
    );
    let ttl = caps.ttl.expect("expiry");
    // Kept to the second, gone within 2 s of the TTL rounded up to 2 s (memcached's clock
    // thread can run late).
    assert_eq!(ttl.granularity, std::time::Duration::from_secs(2));
    assert_eq!(ttl.min, std::time::Duration::from_secs(1));
    backend.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_keys_are_refused_before_any_io() {
    let Some((backend, _)) = open_prefixed("bad").await else {
        return;
    };
    let Some(bare) = open().await else {
        return;
    };
    // After close every call that reached the connection would say Closed: InvalidKey proves the
    // check came first.
    backend.close().await.expect("close");
    bare.close().await.expect("close");
    let ttl = Some(std::time::Duration::from_secs(60));
    for store in [&backend as &dyn Backend, &bare] {
        for key in ["with space", "tab\t", "line\nfeed", "nul\0", "del\u{7f}"] {
            let why = reason(store.get(key).await);
            assert!(
                why.contains("spaces or control characters"),
                "{key:?}: {why}"
            );
            reason(store.set(key, b"v", ttl).await);
            reason(store.delete(key).await);
            reason(store.ttl(key).await);
            reason(store.expire(key, None).await);
            reason(store.set_if_absent(key, b"v", None).await);
            reason(store.compare_and_swap(key, None, Some(b"v")).await);
            reason(store.increment(key, 1).await);
            reason(store.batch_get(&[key.to_owned()]).await);
            reason(store.batch_delete(&[key.to_owned()]).await);
            reason(store.batch_write(&[WriteOp::delete(key)]).await);
        }
        let max = store.capabilities().max_key_size.expect("a key limit");
        let why = reason(store.get(&"k".repeat(max + 1)).await);
        assert!(why.contains(&format!("at most {max}")), "{why}");
        assert!(matches!(store.get("fine").await, Err(Error::Closed { .. })));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_takes_its_length_off_the_key_limit() {
    let Some((backend, prefix)) = open_prefixed("limits").await else {
        return;
    };
    let caps = backend.capabilities().clone();
    assert_eq!(caps.max_key_size, Some(MAX_KEY_BYTES - prefix.len()));
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
    // A prefix memcached could not carry is refused when the layer is built.
    let Some(bare) = open().await else {
        return;
    };
    let bare: Arc<dyn Backend> = Arc::new(bare);
    for bad in ["has space/".to_owned(), "p".repeat(MAX_KEY_BYTES)] {
        assert!(matches!(
            Prefix::new(bad).layer(bare.clone()),
            Err(Error::Config(_))
        ));
    }
    assert!(matches!(
        bare.list("").await,
        Err(Error::Unsupported {
            operation: Operation::List,
            backend: "memcached"
        })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_one_bad_key_writes_nothing() {
    let Some((backend, _)) = open_prefixed("batch").await else {
        return;
    };
    let entries = vec![
        ("good".to_owned(), b"v".to_vec()),
        ("bad key".to_owned(), b"v".to_vec()),
    ];
    reason(backend.batch_set(&entries, None).await);
    let ops = [
        WriteOp::put("good", b"v".to_vec()),
        WriteOp::delete("bad\n"),
    ];
    reason(backend.batch_write(&ops).await);
    assert_eq!(backend.get("good").await.expect("get"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixes_keep_stores_apart() {
    let (Some((left, _)), Some((right, _))) =
        (open_prefixed("left").await, open_prefixed("right").await)
    else {
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

/// kivigo-memcached 0.1 stored `prefix + key` with a plain `ms` (no flags, no expiry), as the raw
/// driver does below; the generic prefix reads, counts, expires and deletes that data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_under_the_0_1_prefix_option_stays_readable() {
    let Some(url) = server_url("memcached") else {
        return;
    };
    let server = url.trim_start_matches("memcached://").to_owned();
    let prefix = format!("kivigo-legacy/{}/", run_id());
    let raw = AsyncMetaClient::connect(server.as_str())
        .await
        .expect("raw client");
    for (key, value) in [("user:1", &b"ada"[..]), ("hits", b"41"), ("empty", b"")] {
        let stored = raw
            .set(format!("{prefix}{key}"), value)
            .send()
            .await
            .expect("raw set");
        assert!(stored.applied());
    }
    let Some(backend) = open().await else {
        return;
    };
    let store = Prefix::new(&prefix)
        .layer(Arc::new(backend))
        .expect("prefix");
    assert_eq!(
        store.get("user:1").await.expect("get"),
        Some(b"ada".to_vec())
    );
    assert_eq!(store.get("empty").await.expect("get"), Some(Vec::new()));
    let found = store
        .batch_get(&["user:1".to_owned(), "hits".to_owned(), "none".to_owned()])
        .await
        .expect("batch_get");
    assert_eq!(found.len(), 2);
    assert_eq!(store.ttl("user:1").await.expect("ttl"), KeyTtl::Persistent);
    assert_eq!(store.increment("hits", 1).await.expect("increment"), 42);
    assert!(
        store
            .compare_and_swap("user:1", Some(b"ada"), Some(b"grace"))
            .await
            .expect("cas")
    );
    // Written back under the same stored keys, readable by the raw driver as before.
    let read = raw
        .get(format!("{prefix}user:1"))
        .send()
        .await
        .expect("raw get");
    assert_eq!(read.value.as_deref(), Some(&b"grace"[..]));
    let names = ["user:1", "hits", "empty"].map(str::to_owned);
    assert_eq!(store.batch_delete(&names).await.expect("batch_delete"), 3);
    store.close().await.expect("close");
}
