//! A server that goes away while the backend is open: calls fail with `Unavailable` (transient)
//! once the acquire timeout runs out, and work again when the server is back, without reopening.
//!
//! The real server keeps running; the test reaches it through a TCP relay on loopback that it
//! stops (closing every connection) and starts again on the same port.
#![cfg(any(feature = "postgres", feature = "mysql"))]

mod support;

use std::time::Duration;

use kivigo_core::{Backend, BackendUrl, Error};
use kivigo_sql::{SqlBackend, SqlConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Bounds a call that must come back on its own; generous, so it never measures anything.
use kivigo_core::conformance::process::HANG_GUARD;

/// A TCP relay from a loopback port to the real server.
struct Relay {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    async fn start(port: u16, target: String) -> (Self, u16) {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut links = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((mut client, _)) = accepted else { break };
                        let target = target.clone();
                        links.spawn(async move {
                            if let Ok(mut server) = TcpStream::connect(&target).await {
                                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        });
                    }
                }
            }
            // Closes the listener and every relayed connection before the task ends.
            drop(listener);
            links.shutdown().await;
        });
        let relay = Self {
            stop: Some(stop),
            task: Some(task),
        };
        (relay, port)
    }

    /// Stops accepting and closes every connection; returns once they are all closed.
    async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn survives_the_server_going_away(server: &str, name: &str) {
    let url = BackendUrl::parse(server).expect("server URL");
    let target = url.hosts().first().expect("a host").clone();
    let (mut relay, port) = Relay::start(0, target.clone()).await;
    let credentials = match url.password() {
        Some(password) => format!("{}:{password}@", url.username()),
        None if url.username().is_empty() => String::new(),
        None => format!("{}@", url.username()),
    };
    let through_relay = format!(
        "{}://{credentials}127.0.0.1:{port}{}",
        url.scheme(),
        url.path()
    );
    let mut config = SqlConfig::new(through_relay).with_table(support::table(name));
    config.acquire_timeout = Duration::from_secs(2);
    config.max_connections = 2;
    let backend = SqlBackend::open(config)
        .await
        .expect("open through the relay");
    backend.set("k", b"v", None).await.expect("set");

    relay.stop().await;
    let down = tokio::time::timeout(HANG_GUARD, backend.get("k"))
        .await
        .expect("a call to a server that is gone must give up");
    match down {
        Err(err @ (Error::Unavailable { .. } | Error::Backend { .. })) => {
            assert!(err.is_transient(), "{err:?}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    // Once the pool has dropped its dead connections, a call waits for a new one and gives up
    // with Unavailable at the acquire timeout.
    let mut unavailable = false;
    for _ in 0..5 {
        let result = tokio::time::timeout(HANG_GUARD, backend.get("k"))
            .await
            .expect("gives up");
        if matches!(result, Err(Error::Unavailable { .. })) {
            unavailable = true;
            break;
        }
    }
    assert!(unavailable, "no Unavailable while the server was away");

    let (_relay, _) = Relay::start(port, target).await;
    let back = tokio::time::timeout(HANG_GUARD, backend.get("k"))
        .await
        .expect("reconnects");
    assert_eq!(back.expect("works again"), Some(b"v".to_vec()));
    backend.drop_table().await.expect("drop");
    backend.close().await.expect("close");
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reconnects_after_the_server_comes_back() {
    if let Some(url) = kivigo_core::conformance::server_url("postgres") {
        survives_the_server_going_away(&url, "relay").await;
    }
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_reconnects_after_the_server_comes_back() {
    if let Some(url) = kivigo_core::conformance::server_url("mysql") {
        survives_the_server_going_away(&url, "relay").await;
    }
}
