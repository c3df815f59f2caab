//! `rediss://` against a private redis-server with TLS on a free port and a self-signed
//! certificate made by the `openssl` command.
#![cfg(feature = "tls")]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use kivigo_core::Backend;
use kivigo_core::conformance::require_servers;
use support::{RedisServer, free_port, redis_server_binary};

/// A self-signed certificate for 127.0.0.1 in `dir`; false when `openssl` is missing.
fn self_signed(dir: &Path) -> bool {
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match made {
        Ok(status) => {
            assert!(status.success(), "openssl could not make a certificate");
            true
        }
        Err(_) if require_servers() => panic!("the openssl command is needed for the TLS test"),
        Err(_) => {
            eprintln!("skipped: no openssl command to make a test certificate");
            false
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_urls_connect_over_tls() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    let tls_port = free_port();
    let dir = std::env::temp_dir().join(format!("kivigo-redis-tls-{tls_port}"));
    std::fs::create_dir_all(&dir).expect("certificate directory");
    let _cleanup = RemoveOnDrop(dir.clone());
    if !self_signed(&dir) {
        return;
    }
    let path = |name: &str| dir.join(name).display().to_string();
    let server = RedisServer::start_with(
        &binary,
        free_port(),
        vec![
            "--tls-port".into(),
            tls_port.to_string(),
            "--tls-cert-file".into(),
            path("cert.pem"),
            "--tls-key-file".into(),
            path("key.pem"),
            "--tls-ca-cert-file".into(),
            path("cert.pem"),
            "--tls-auth-clients".into(),
            "no".into(),
        ],
    );
    let url = format!("rediss://127.0.0.1:{tls_port}/2?insecure=true");
    let backend = kivigo_redis::open_url(&url.parse().expect("url"))
        .await
        .expect("open over TLS");
    backend.set("k", b"secret", None).await.expect("set");
    assert_eq!(
        backend.get("k").await.expect("get"),
        Some(b"secret".to_vec())
    );
    assert_eq!(backend.list("").await.expect("list"), ["k"]);
    backend.health().await.expect("health");

    // Without `insecure`, the self-signed certificate is refused: no silent downgrade.
    let strict = format!("rediss://127.0.0.1:{tls_port}/2");
    let refused = kivigo_redis::open_url(&strict.parse().expect("url")).await;
    match refused {
        Err(err) => assert!(
            !err.is_transient(),
            "a refused certificate is permanent: {err:?}"
        ),
        Ok(_) => panic!("a self-signed certificate must be refused"),
    }
    drop(server);
}

/// Removes the certificate directory when the test ends, also on panic.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
