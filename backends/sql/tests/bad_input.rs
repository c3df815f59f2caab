//! Input that must fail before any connection or I/O, and a server that is down.

use kivigo_core::{BackendUrl, Error};
use kivigo_sql::{SqlBackend, SqlConfig};

/// A loopback port where nothing listens: bound, read, released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

/// Bounds a call that must come back on its own; generous, so it never measures anything.
use kivigo_core::conformance::process::HANG_GUARD;

#[tokio::test]
async fn a_malicious_table_name_is_refused_before_connecting() {
    // Nothing listens on the port: had the backend tried to connect, the error would be
    // Unavailable, not Config.
    let port = closed_port();
    for scheme in ["postgres", "mysql"] {
        let url = format!(
            "{scheme}://u@127.0.0.1:{port}/db?table=kv%3B%20DROP%20TABLE%20x&acquire_timeout=30s"
        );
        let result = tokio::time::timeout(
            HANG_GUARD,
            kivigo_sql::open_url(&BackendUrl::parse(&url).expect("url")),
        )
        .await
        .expect("no connection attempt");
        assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
    }
    let config = SqlConfig::new("sqlite://:memory:").with_table("kv\"; DROP TABLE x; --");
    let result = SqlBackend::open(config).await;
    assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn keys_over_the_column_size_fail_before_any_io() {
    use kivigo_core::Backend;

    let backend = SqlBackend::open(SqlConfig::new("sqlite://:memory:"))
        .await
        .expect("open");
    let max = backend.capabilities().max_key_size.expect("a key limit");
    assert_eq!(max, 1024);
    // Closed: any statement would fail with Closed, so InvalidKey proves nothing was sent.
    backend.close().await.expect("close");
    let long = "k".repeat(max + 1);
    let invalid = |r: &kivigo_core::Result<_>| matches!(r, Err(Error::InvalidKey { .. }));
    assert!(invalid(&backend.get(&long).await.map(|_| ())));
    assert!(invalid(&backend.set(&long, b"v", None).await));
    assert!(invalid(
        &backend
            .batch_get(std::slice::from_ref(&long))
            .await
            .map(|_| ())
    ));
    assert!(invalid(&backend.batch_delete(&[long]).await.map(|_| ())));
    assert!(matches!(
        backend.get("fine").await,
        Err(Error::Closed { .. })
    ));
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn expect_unavailable(url: String) {
    let url = BackendUrl::parse(&url).expect("url");
    let result = tokio::time::timeout(HANG_GUARD, kivigo_sql::open_url(&url))
        .await
        .expect("open must give up after acquire_timeout");
    match result {
        Err(err @ Error::Unavailable { .. }) => assert!(err.is_transient()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_down_is_unavailable_within_the_acquire_timeout() {
    let port = closed_port();
    expect_unavailable(format!(
        "postgres://postgres@127.0.0.1:{port}/kivigo_test?acquire_timeout=1s"
    ))
    .await;
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_down_is_unavailable_within_the_acquire_timeout() {
    let port = closed_port();
    expect_unavailable(format!(
        "mysql://root@127.0.0.1:{port}/kivigo_test?acquire_timeout=1s"
    ))
    .await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sqlite_url_without_a_path_is_a_config_error() {
    let result = kivigo_sql::open_url(&BackendUrl::parse("sqlite://").expect("url")).await;
    assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
}
