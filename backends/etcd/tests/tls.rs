//! TLS to a member started by the test with a certificate made by `openssl` for the occasion.
#![cfg(feature = "tls")]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use kivigo_core::conformance::require_servers;
use kivigo_core::{Backend, BackendUrl};
use kivigo_etcd::{EtcdConfig, TlsConfig};
use support::{LocalCluster, etcd_binary};

/// Runs `openssl` with `args` in `dir`; false when it is missing or fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|output| output.status.success())
}

/// A CA and a server certificate for 127.0.0.1 signed by it, in `dir`.
fn make_certificates(dir: &Path) -> bool {
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext file");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=kivigo test CA",
        ],
    ) && openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ) && openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_private_ca() {
    let Some(binary) = etcd_binary("tls_with_a_private_ca") else {
        return;
    };
    let certs = tempfile::tempdir().expect("temporary directory");
    if !make_certificates(certs.path()) {
        assert!(
            !require_servers(),
            "openssl could not make test certificates and KIVIGO_TEST_REQUIRE_SERVERS=1"
        );
        eprintln!("skipped tls_with_a_private_ca: openssl could not make test certificates");
        return;
    }
    let ca = certs.path().join("ca.pem");
    let tls = (
        certs.path().join("server.pem"),
        certs.path().join("server.key"),
    );
    let cluster = LocalCluster::start_with(&binary, 1, Some(tls));
    let base = EtcdConfig {
        tls: Some(TlsConfig {
            ca_file: Some(ca.clone()),
            ..TlsConfig::default()
        }),
        ..EtcdConfig::new(Vec::<String>::new())
    };
    tokio::time::timeout(Duration::from_secs(180), cluster.wait_ready_with(&base))
        .await
        .expect("etcd start hung");
    let endpoint = &cluster.members[0].endpoint;

    let url = format!(
        "etcd://{endpoint}?tls=true&ca_file={}&prefix=tls/",
        ca.display()
    );
    let store = kivigo_etcd::open_url(&BackendUrl::parse(&url).expect("url"))
        .await
        .expect("open over TLS");
    store.set("k", b"v", None).await.expect("set over TLS");
    assert_eq!(store.get("k").await.expect("get"), Some(b"v".to_vec()));
    assert_eq!(store.list("").await.expect("list"), ["k"]);

    // Without TLS the member cannot be talked to.
    let plain = kivigo_etcd::open_url(
        &BackendUrl::parse(&format!("etcd://{endpoint}?timeout=3s")).expect("url"),
    )
    .await;
    assert!(plain.is_err(), "plain HTTP/2 to a TLS member must fail");
}
