//! What sled keeps across close and reopen, under each flush policy.

use std::time::Duration;

use kivigo_core::{Backend, Error};
use kivigo_sled::{FlushPolicy, SledBackend, SledConfig};

async fn write_close_reopen(flush: FlushPolicy) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = SledConfig {
        flush,
        ..SledConfig::new(dir.path())
    };
    let first = SledBackend::open(config.clone()).await.expect("open");
    first.set("kept", b"value", None).await.expect("set");
    first
        .batch_set(&[("batched".to_owned(), b"too".to_vec())], None)
        .await
        .expect("batch_set");
    first.close().await.expect("close");

    let again = SledBackend::open(config).await.expect("reopen after close");
    assert_eq!(
        again.get("kept").await.expect("get"),
        Some(b"value".to_vec())
    );
    assert_eq!(
        again.get("batched").await.expect("get"),
        Some(b"too".to_vec())
    );
    again.close().await.expect("close");
}

#[tokio::test]
async fn data_survives_close_and_reopen_when_flushing_always() {
    write_close_reopen(FlushPolicy::Always).await;
}

#[tokio::test]
async fn close_flushes_even_with_periodic_flush() {
    write_close_reopen(FlushPolicy::Every(Duration::from_secs(3600))).await;
}

#[tokio::test]
async fn a_database_held_open_cannot_be_opened_twice() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let first = SledBackend::open(SledConfig::new(dir.path()))
        .await
        .expect("open");
    let second = SledBackend::open(SledConfig::new(dir.path())).await;
    match second {
        Err(Error::Unavailable { message, .. }) => {
            assert!(message.contains("another process"), "{message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    first.close().await.expect("close");
}

#[tokio::test]
async fn named_trees_are_separate_keyspaces() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sled://{}?tree=users", dir.path().display());
    let users = kivigo_sled::open_url(&url.parse().expect("url"))
        .await
        .expect("open");
    users.set("k", b"in users", None).await.expect("set");
    assert_eq!(users.list("").await.expect("list"), ["k"]);
    users.close().await.expect("close");
    let default = SledBackend::open(SledConfig::new(dir.path()))
        .await
        .expect("open");
    assert_eq!(default.get("k").await.expect("get"), None);
    default.close().await.expect("close");
}

#[tokio::test]
async fn a_path_that_cannot_hold_a_database_is_a_permanent_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"plain file").expect("write");
    match SledBackend::open(SledConfig::new(&file)).await {
        Err(err @ Error::Backend { .. }) => {
            assert!(!err.is_transient(), "{err}");
            assert!(err.to_string().contains("not-a-directory"), "{err}");
        }
        other => panic!("expected a permanent backend error, got {other:?}"),
    }
}
