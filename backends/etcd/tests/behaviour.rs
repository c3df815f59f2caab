//! etcd-specific behaviour beyond the conformance suite: etcd's Txn and request limits, paging,
//! unreachable endpoints, and authentication.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::conformance::{run_id, server_url};
use kivigo_core::{Backend, BackendUrl, Entry, Error};
use kivigo_etcd::{
    EtcdBackend, EtcdConfig, MAX_KEY_SIZE, MAX_PREFIX_SIZE, MAX_REQUEST_BYTES, MAX_TXN_OPS,
    MAX_VALUE_SIZE,
};
use support::{LocalCluster, etcd_binary, free_port};

/// Bounds calls that must fail fast so a hang fails the test; a guard, not a timing assertion.
use kivigo_core::conformance::process::HANG_GUARD;

/// The shared test server's config with a prefix private to `case`, or `None` to skip.
fn config(case: &str) -> Option<EtcdConfig> {
    let url = BackendUrl::parse(&server_url("etcd")?).expect("etcd URL");
    Some(
        EtcdConfig::from_url(&url)
            .expect("etcd config")
            .with_prefix(format!("kivigo_behaviour/{}_{case}/", run_id())),
    )
}

fn numbered(prefix: &str, count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| (format!("{prefix}{i:04}"), i.to_string().into_bytes()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_larger_than_a_txn_are_chunked() {
    let Some(config) = config("chunked") else {
        return;
    };
    let endpoint = config.endpoints[0].clone();
    let prefix = config.prefix.clone();
    let store = EtcdBackend::open(config).await.expect("open");

    // etcd itself refuses a Txn over its default --max-txn-ops...
    let mut raw = etcd_client::Client::connect([endpoint.as_str()], None)
        .await
        .expect("raw client");
    let ops: Vec<etcd_client::TxnOp> = (0..200)
        .map(|i| etcd_client::TxnOp::put(format!("{prefix}raw/{i}"), "v", None))
        .collect();
    let refused = raw
        .txn(etcd_client::Txn::new().and_then(ops))
        .await
        .expect_err("a Txn of 200 operations");
    assert!(
        refused
            .to_string()
            .contains("too many operations in txn request"),
        "{refused}"
    );
    assert_eq!(MAX_TXN_OPS, 128);

    // ...while kivigo cuts a batch of 300 into Txns of at most 128.
    let entries = numbered("k/", 300);
    store
        .batch_set(&entries, None)
        .await
        .expect("batch_set 300");
    let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    let found = store.batch_get(&keys).await.expect("batch_get 300");
    assert_eq!(found.len(), 300);
    let mut doubled = keys.clone();
    doubled.extend(keys.iter().take(10).cloned());
    assert_eq!(
        store.batch_delete(&doubled).await.expect("batch_delete"),
        300
    );
    assert!(store.list("").await.expect("list").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn largest_entries_fit_and_batches_split_by_bytes() {
    let Some(mut config) = config("largest") else {
        return;
    };
    // The longest prefix, the longest key and the largest value together make one request that
    // etcd's default 1.5 MiB limit accepts: the reported limits are real.
    config
        .prefix
        .push_str(&"p".repeat(MAX_PREFIX_SIZE - config.prefix.len()));
    let endpoint = config.endpoints[0].clone();
    let store = EtcdBackend::open(config).await.expect("open");
    let caps = store.capabilities();
    assert_eq!(caps.max_key_size, Some(MAX_KEY_SIZE));
    assert_eq!(caps.max_value_size, Some(MAX_VALUE_SIZE));

    let entries: Vec<Entry> = (0..3)
        .map(|i| {
            let key = format!("{i}{}", "k".repeat(MAX_KEY_SIZE - 1));
            (key, vec![i as u8; MAX_VALUE_SIZE])
        })
        .collect();
    store
        .set(&entries[0].0, &entries[0].1, None)
        .await
        .expect("largest single entry");
    // Three of them (4.3 MiB) cannot share one request: one Txn each. Reading them back brings
    // 4.3 MiB in one response, over tonic's default 4 MiB limit.
    store
        .batch_set(&entries, None)
        .await
        .expect("batch of largest");
    let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    let found = store.batch_get(&keys).await.expect("batch_get");
    for (key, value) in &entries {
        assert_eq!(found.get(key), Some(value));
    }

    // etcd itself refuses a request over 1.5 MiB (its default --max-request-bytes).
    let mut raw = etcd_client::Client::connect([endpoint.as_str()], None)
        .await
        .expect("raw client");
    let refused = raw
        .put(
            "kivigo_behaviour_raw_too_large",
            vec![0u8; MAX_REQUEST_BYTES],
            None,
        )
        .await
        .expect_err("a 1.5 MiB value");
    assert!(
        refused.to_string().contains("request is too large"),
        "{refused}"
    );

    // One byte more than kivigo's limit is refused before anything is sent.
    let over = vec![0; MAX_VALUE_SIZE + 1];
    let err = store.set("over", &over, None).await.expect_err("too large");
    assert!(
        matches!(err, Error::ValueTooLarge { max, .. } if max == MAX_VALUE_SIZE),
        "{err:?}"
    );
    assert_eq!(store.batch_delete(&keys).await.expect("cleanup"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_through_a_large_key_space() {
    let Some(config) = config("paging") else {
        return;
    };
    let store = EtcdBackend::open(EtcdConfig {
        page_size: 7,
        ..config
    })
    .await
    .expect("open");
    let mut entries = numbered("a/", 50);
    entries.extend(numbered("b/", 20));
    entries.push(("a".to_owned(), b"x".to_vec()));
    store.batch_set(&entries, None).await.expect("batch_set");
    let mut all: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    all.sort();
    assert_eq!(store.list("").await.expect("list all"), all);
    let under_a: Vec<String> = all
        .iter()
        .filter(|k| k.starts_with("a/"))
        .cloned()
        .collect();
    assert_eq!(store.list("a/").await.expect("list a/"), under_a);
    assert_eq!(store.list("a/004").await.expect("list a/004").len(), 10);
    assert_eq!(store.batch_delete(&all).await.expect("cleanup"), 71);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_endpoint_is_skipped_and_named_by_health() {
    let Some(config) = config("dead_endpoint") else {
        return;
    };
    let dead = format!("127.0.0.1:{}", free_port());
    let mut endpoints = vec![dead.clone()];
    endpoints.extend(config.endpoints.iter().cloned());
    let store = EtcdBackend::open(EtcdConfig {
        endpoints,
        ..config
    })
    .await
    .expect("open with one dead endpoint of two");
    store.set("k", b"v", None).await.expect("set fails over");
    assert_eq!(store.get("k").await.expect("get"), Some(b"v".to_vec()));
    store.health().await.expect("healthy: one endpoint answers");
    let report = store.endpoint_health().await.expect("report");
    let (endpoint, outcome) = &report[0];
    assert_eq!(endpoint, &dead);
    let err = outcome.as_ref().expect_err("dead endpoint");
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(report[1].1.is_ok());
    assert!(store.delete("k").await.expect("delete"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_is_unavailable() {
    let dead = [free_port(), free_port()].map(|port| format!("127.0.0.1:{port}"));
    let config = EtcdConfig {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        ..EtcdConfig::new(dead.clone())
    };
    let err = tokio::time::timeout(HANG_GUARD, EtcdBackend::open(config))
        .await
        .expect("open hung")
        .expect_err("nothing listens");
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(err.is_transient());
    let message = err.to_string();
    for endpoint in &dead {
        assert!(message.contains(endpoint.as_str()), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_password_from_the_url() {
    let Some(binary) = etcd_binary("user_and_password_from_the_url") else {
        return;
    };
    let cluster = LocalCluster::start(&binary, 1);
    tokio::time::timeout(HANG_GUARD, cluster.wait_ready())
        .await
        .expect("etcd start hung");
    let endpoint = cluster.members[0].endpoint.clone();
    let mut admin = etcd_client::Client::connect([endpoint.as_str()], None)
        .await
        .expect("admin client");
    admin
        .user_add("root", "s3cret-pw", None)
        .await
        .expect("user_add");
    admin
        .user_grant_role("root", "root")
        .await
        .expect("grant root");
    admin.auth_enable().await.expect("auth_enable");

    let url =
        BackendUrl::parse(&format!("etcd://root:s3cret-pw@{endpoint}?prefix=auth/")).expect("url");
    let store: Arc<dyn Backend> = Arc::new(kivigo_etcd::open_url(&url).await.expect("open"));
    store.set("k", b"v", None).await.expect("set as root");
    assert_eq!(store.list("").await.expect("list"), ["k"]);
    assert!(!format!("{store:?}").contains("s3cret-pw"));

    let wrong = BackendUrl::parse(&format!("etcd://root:wrong-pw@{endpoint}")).expect("url");
    let err = tokio::time::timeout(HANG_GUARD, kivigo_etcd::open_url(&wrong))
        .await
        .expect("open hung")
        .expect_err("wrong password");
    assert!(!err.is_transient(), "{err:?}");
    assert!(!err.to_string().contains("wrong-pw"), "{err}");

    let anonymous = EtcdBackend::open(EtcdConfig::new([endpoint]))
        .await
        .expect("status needs no user");
    let err = anonymous.get("k").await.expect_err("reads need a user");
    assert!(!err.is_transient(), "{err:?}");
}
