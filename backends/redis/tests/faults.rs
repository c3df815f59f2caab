//! A server that is down, restarted, paused or silent: calls fail with a transient error instead
//! of hanging, and the same backend works again once the server is back.

mod support;

use std::net::TcpListener;
use std::time::Duration;

use kivigo_core::{Backend, Error};
use kivigo_redis::{RedisBackend, RedisConfig};
use support::{RedisServer, free_port, redis_server_binary};

/// Bounds every call that is expected to fail, so a hang fails the test instead of stalling the
/// run. It is a guard, not a timing assertion.
use kivigo_core::conformance::process::HANG_GUARD;

/// How many times a test polls for the server to be usable again before giving up.
const POLLS: usize = 1500;

fn config(port: u16) -> RedisConfig {
    RedisConfig {
        connect_timeout: Duration::from_secs(2),
        response_timeout: Duration::from_secs(2),
        ..RedisConfig::tcp("127.0.0.1", port)
    }
}

/// A server that is down on loopback refuses the connection: that is `Unavailable`.
#[track_caller]
fn assert_down<T: std::fmt::Debug>(result: kivigo_core::Result<T>, what: &str) {
    match result {
        Err(err @ Error::Unavailable { .. }) => assert!(err.is_transient(), "{what}: {err}"),
        other => panic!("{what}: expected Unavailable, got {other:?}"),
    }
}

#[track_caller]
fn assert_unreachable<T: std::fmt::Debug>(result: kivigo_core::Result<T>, what: &str) {
    match result {
        Err(err @ (Error::Unavailable { .. } | Error::Timeout { .. })) => {
            assert!(err.is_transient(), "{what}: {err}");
        }
        other => panic!("{what}: expected Unavailable or Timeout, got {other:?}"),
    }
}

async fn guarded<F: std::future::Future>(call: F) -> F::Output {
    tokio::time::timeout(HANG_GUARD, call)
        .await
        .expect("the call hung instead of failing")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_server_that_is_down_is_unavailable() {
    let port = free_port();
    match guarded(RedisBackend::open(config(port))).await {
        Err(err @ Error::Unavailable { .. }) => assert!(err.is_transient()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    let url = format!("redis://127.0.0.1:{port}/0?connect_timeout=1s");
    let opened = guarded(kivigo_redis::open_url(&url.parse().expect("url"))).await;
    assert!(
        matches!(opened, Err(Error::Unavailable { .. })),
        "{opened:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_is_unavailable_within_the_connect_timeout() {
    // Accepts connections (the kernel completes the handshake) but never reads or answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let config = RedisConfig {
        connect_timeout: Duration::from_millis(300),
        response_timeout: Duration::from_millis(300),
        ..RedisConfig::tcp("127.0.0.1", port)
    };
    match guarded(RedisBackend::open(config)).await {
        Err(err @ Error::Unavailable { .. }) => assert!(err.is_transient()),
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(backend) => assert_unreachable(guarded(backend.get("k")).await, "get"),
    }
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_backend_works_again_after_the_server_restarts() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    let mut server = RedisServer::start(&binary, free_port());
    let backend = RedisBackend::open(config(server.port()))
        .await
        .expect("open");
    backend.set("k", b"before", None).await.expect("set");

    server.stop();
    assert_down(guarded(backend.get("k")).await, "get while down");
    assert_down(guarded(backend.health()).await, "health while down");
    let entries = vec![("a".to_owned(), b"1".to_vec())];
    assert_down(
        guarded(backend.batch_set(&entries, None)).await,
        "batch_set",
    );
    assert_down(guarded(backend.list("")).await, "list while down");

    server.restart();
    let mut polls = 0;
    while let Err(err) = guarded(backend.health()).await {
        assert!(err.is_transient(), "{err:?}");
        polls += 1;
        assert!(polls < POLLS, "the backend did not reconnect: {err}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The server kept nothing (no persistence); the same backend reads and writes again.
    assert_eq!(backend.get("k").await.expect("get after restart"), None);
    backend
        .set("k", b"after", None)
        .await
        .expect("set after restart");
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"after".to_vec())
    );
    backend.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_server_gives_timeout_then_recovers() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    let server = RedisServer::start(&binary, free_port());
    let config = RedisConfig {
        response_timeout: Duration::from_millis(200),
        ..config(server.port())
    };
    let backend = RedisBackend::open(config).await.expect("open");
    backend.set("k", b"v", None).await.expect("set");
    // CLIENT PAUSE holds every client's commands for 3 s: longer than the response timeout.
    let _: () = redis::cmd("CLIENT")
        .arg(&["PAUSE", "3000", "ALL"])
        .query(&mut server.admin())
        .expect("CLIENT PAUSE");
    match guarded(backend.get("k")).await {
        Err(
            err @ Error::Timeout {
                operation: kivigo_core::Operation::Get,
                ..
            },
        ) => assert!(err.is_transient()),
        other => panic!("expected Timeout, got {other:?}"),
    }
    let _: () = redis::cmd("CLIENT")
        .arg("UNPAUSE")
        .query(&mut server.admin())
        .expect("CLIENT UNPAUSE");
    let mut polls = 0;
    loop {
        match guarded(backend.get("k")).await {
            Ok(value) => {
                assert_eq!(value, Some(b"v".to_vec()));
                break;
            }
            Err(err) => {
                assert!(err.is_transient(), "{err:?}");
                polls += 1;
                assert!(polls < POLLS, "no recovery after UNPAUSE: {err}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}
