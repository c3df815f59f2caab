//! A server that is down, goes away or comes back: errors are `Unavailable` (retryable) within
//! the server selection timeout, and the same backend reconnects by itself.
//!
//! The reconnect test starts its own nx-27017 (the wire-protocol test server that
//! `scripts/services start mongodb` installs under `build/services/mongodb-venv`) on a free port,
//! so that it can stop and restart it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use kivigo_core::{Backend, Error};
use kivigo_mongodb::{MongoBackend, MongoConfig};

use kivigo_core::conformance::process::{ChildProcess, HANG_GUARD, free_port};

fn config(port: u16) -> MongoConfig {
    MongoConfig {
        collection: "outage".to_owned(),
        ..MongoConfig::new(format!(
            "mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=500\
             &connectTimeoutMS=500"
        ))
    }
}

fn is_unavailable(err: &Error) -> bool {
    matches!(err, Error::Unavailable { .. } | Error::Timeout { .. }) && err.is_transient()
}

#[tokio::test]
async fn opening_a_server_that_is_down_is_unavailable() {
    let outcome = tokio::time::timeout(HANG_GUARD, MongoBackend::open(config(free_port())))
        .await
        .expect("open hung");
    match outcome {
        Err(err) => assert!(is_unavailable(&err), "expected Unavailable, got {err:?}"),
        Ok(backend) => panic!("opened {backend:?} with no server"),
    }
}

/// The nx-27017 executable installed by `scripts/services`.
fn test_server_binary() -> Option<PathBuf> {
    let state = std::env::var_os("KIVIGO_SERVICES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../build/services"));
    let binary = state.join("mongodb-venv/bin/nx-27017");
    binary.is_file().then_some(binary)
}

/// A test server this test started; killed (and reaped) on drop, also when the test panics.
struct Server(#[allow(dead_code)] ChildProcess);

impl Server {
    fn start(binary: &PathBuf, port: u16, data: &std::path::Path) -> Self {
        let mut command = Command::new(binary);
        command
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--data-dir")
            .arg(data)
            .arg("--pid-file")
            .arg(data.join("nx.pid"))
            .arg("--log-file")
            .arg(data.join("server.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Self(ChildProcess::spawn("nx-27017", &mut command))
    }
}

/// Retries `attempt` until it returns `Some`, a bounded number of times.
async fn poll<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(value) = attempt().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test]
async fn a_server_that_goes_away_is_unavailable_and_the_backend_reconnects() {
    let Some(binary) = test_server_binary() else {
        assert!(
            !kivigo_core::conformance::require_servers(),
            "nx-27017 is not installed; run `scripts/services start mongodb`"
        );
        eprintln!("skipped: nx-27017 is not installed (scripts/services start mongodb)");
        return;
    };
    let data = tempfile::tempdir().expect("data directory");
    let data = data.path();
    let port = free_port();
    let run = async {
        let server = Server::start(&binary, port, data);
        let backend = poll("the test server answering", || async {
            MongoBackend::open(config(port)).await.ok()
        })
        .await;
        backend.set("kept", b"before", None).await.expect("set");

        drop(server);
        let err = backend.get("kept").await.expect_err("server is gone");
        assert!(is_unavailable(&err), "expected Unavailable, got {err:?}");
        let err = backend.health().await.expect_err("server is gone");
        assert!(is_unavailable(&err), "expected Unavailable, got {err:?}");

        let _server = Server::start(&binary, port, data);
        let value = poll("the backend reconnecting", || async {
            backend.get("kept").await.ok()
        })
        .await;
        assert_eq!(value, Some(b"before".to_vec()));
        backend.health().await.expect("health after reconnect");
        backend.close().await.expect("close");
    };
    tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the outage test hung");
}
