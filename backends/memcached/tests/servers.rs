//! Behaviour that needs a memcached of the test's own: a server that goes away and comes back, a
//! frozen server, a different item size limit, two servers, and batches cut short by a server
//! killed or frozen while they run.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use kivigo_core::conformance::process::free_port;
use kivigo_core::{Backend, BackendUrl, Error};
use kivigo_memcached::{ITEM_OVERHEAD, MemcachedBackend, MemcachedConfig, open_url};
use server::OwnServer;

/// Bound for polling a recovering server; a guard against hanging, not a timing assertion.
const RECOVERY_LIMIT: Duration = Duration::from_secs(30);

async fn open(url: &str) -> kivigo_core::Result<MemcachedBackend> {
    open_url(&BackendUrl::parse(url)?).await
}

/// Calls `health` until it succeeds, within [`RECOVERY_LIMIT`].
async fn wait_healthy(backend: &MemcachedBackend) {
    let recovered = tokio::time::timeout(RECOVERY_LIMIT, async {
        while backend.health().await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(recovered.is_ok(), "the backend did not recover");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_unavailable_at_open() {
    let url = format!("memcached://127.0.0.1:{}?connect_timeout=2s", free_port());
    match open(&url).await {
        Err(err @ Error::Unavailable { .. }) => assert!(err.is_transient()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    match open("memcached://no-such-host.invalid:11211").await {
        Err(err @ Error::Unavailable { .. }) => {
            assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
        }
        other => panic!("expected Unavailable for an unknown host, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gone_is_unavailable_and_the_backend_reconnects() {
    let Some(mut server) = OwnServer::start(&[]) else {
        return;
    };
    let backend = open(&format!("{}?timeout=2s", server.url()))
        .await
        .expect("open");
    backend.set("k", b"before", None).await.expect("set");

    server.stop();
    for (what, result) in [
        ("get", backend.get("k").await.map(drop)),
        ("set", backend.set("k", b"v", None).await),
        (
            "batch_get",
            backend.batch_get(&["k".into()]).await.map(drop),
        ),
        ("health", backend.health().await),
    ] {
        match result {
            Err(err @ Error::Unavailable { .. }) => assert!(err.is_transient(), "{what}"),
            other => panic!("{what} with the server down: expected Unavailable, got {other:?}"),
        }
    }

    server.restart();
    wait_healthy(&backend).await;
    // memcached keeps nothing across a restart.
    assert_eq!(backend.get("k").await.expect("get"), None);
    backend
        .set("k", b"after", None)
        .await
        .expect("set after restart");
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"after".to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_server_times_out() {
    let Some(mut server) = OwnServer::start(&[]) else {
        return;
    };
    let backend = open(&format!("{}?timeout=1s", server.url()))
        .await
        .expect("open");
    backend.set("k", b"v", None).await.expect("set");

    server.pause();
    let outcomes = [
        ("get", backend.get("k").await.map(drop)),
        ("set", backend.set("k", b"w", None).await),
        (
            "batch_set",
            backend
                .batch_set(&[("k".into(), b"w".to_vec())], None)
                .await,
        ),
    ];
    server.resume();
    for (what, result) in outcomes {
        match result {
            Err(err @ Error::Timeout { .. }) => assert!(err.is_transient(), "{what}"),
            other => panic!("{what} on a frozen server: expected Timeout, got {other:?}"),
        }
    }
    wait_healthy(&backend).await;
    assert!(backend.get("k").await.expect("get").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_size_limit_is_read_from_the_server() {
    let Some(server) = OwnServer::start(&["-I", "2m"]) else {
        return;
    };
    let backend = open(&server.url()).await.expect("open");
    let max = backend.capabilities().max_value_size.expect("a limit");
    assert_eq!(max, (2 << 20) - ITEM_OVERHEAD);

    // The limit holds for the longest key memcached accepts.
    let key = "k".repeat(250);
    let value = vec![b'x'; max];
    backend
        .set(&key, &value, None)
        .await
        .expect("largest value");
    assert_eq!(
        backend.get(&key).await.expect("get").map(|v| v.len()),
        Some(max)
    );
    match backend.set(&key, &vec![b'x'; max + 1], None).await {
        Err(Error::ValueTooLarge { size, max: m, .. }) => assert_eq!((size, m), (max + 1, max)),
        other => panic!("expected ValueTooLarge, got {other:?}"),
    }

    // An explicit option wins over what the server says.
    let smaller = open(&format!("{}?item_size_max=1m", server.url()))
        .await
        .expect("open");
    assert_eq!(
        smaller.capabilities().max_value_size,
        Some((1 << 20) - ITEM_OVERHEAD)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_spread_over_several_servers() {
    let (Some(first), Some(second)) = (OwnServer::start(&[]), OwnServer::start(&[])) else {
        return;
    };
    let url = format!(
        "memcached://127.0.0.1:{},127.0.0.1:{}",
        first.port(),
        second.port()
    );
    let both = open(&url).await.expect("open both");
    let entries: Vec<(String, Vec<u8>)> = (0..500)
        .map(|i| (format!("key-{i}"), i.to_string().into_bytes()))
        .collect();
    let names: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    both.batch_set(&entries, None).await.expect("batch_set");
    assert_eq!(both.batch_get(&names).await.expect("batch_get").len(), 500);
    both.health().await.expect("health pings both");

    let mut held = Vec::new();
    for server in [&first, &second] {
        let config = MemcachedConfig::new(format!("127.0.0.1:{}", server.port()));
        let one = MemcachedBackend::open(config).await.expect("open one");
        held.push(one.batch_get(&names).await.expect("batch_get one").len());
    }
    assert!(
        held.iter().all(|&n| n > 0),
        "both servers hold keys: {held:?}"
    );
    assert_eq!(
        held.iter().sum::<usize>(),
        500,
        "each key lives on one server"
    );
    assert_eq!(both.batch_delete(&names).await.expect("batch_delete"), 500);
}
