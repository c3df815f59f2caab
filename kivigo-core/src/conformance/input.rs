//! Cases for bad input: refused with a typed error, and nothing written.

use std::sync::Arc;

use super::support::{expect_err, is_invalid_key as invalid_key, is_too_large, keys};
use crate::{Backend, Client};

/// Largest key the suite writes to check that a key at the store's limit works.
const AT_LIMIT_ROUND_TRIP_MAX: usize = 1 << 20;

/// The empty key is refused by every operation, and a batch holding one writes nothing.
pub async fn empty_key_is_rejected_before_io(backend: Arc<dyn Backend>) {
    expect_err(backend.get("").await, "get empty key", invalid_key);
    expect_err(
        backend.set("", b"v", None).await,
        "set empty key",
        invalid_key,
    );
    expect_err(backend.delete("").await, "delete empty key", invalid_key);
    expect_err(
        backend.batch_get(&keys(&["ok", ""])).await,
        "batch_get with an empty key",
        invalid_key,
    );
    expect_err(
        backend.batch_delete(&keys(&["ok", ""])).await,
        "batch_delete with an empty key",
        invalid_key,
    );
    let entries = vec![
        ("ok".to_owned(), b"v".to_vec()),
        (String::new(), b"v".to_vec()),
    ];
    expect_err(
        backend.batch_set(&entries, None).await,
        "batch_set with an empty key",
        invalid_key,
    );
    assert_eq!(
        backend.get("ok").await.expect("get"),
        None,
        "no partial write"
    );

    let client = Client::from_arc(backend.clone());
    expect_err(client.get::<u8>("").await, "client get", invalid_key);
    expect_err(client.set("", &1).await, "client set", invalid_key);
    expect_err(client.has_key("").await, "client has_key", invalid_key);
}

/// A key over the reported limit is refused with `InvalidKey`; a key at the limit works. A
/// backend that reports no limit stores a 1 KiB key.
pub async fn oversized_key_is_rejected(backend: Arc<dyn Backend>) {
    let Some(max) = backend.capabilities().max_key_size else {
        let key = "k".repeat(1024);
        backend
            .set(&key, b"v", None)
            .await
            .expect("1 KiB key without a limit");
        assert_eq!(backend.get(&key).await.expect("get"), Some(b"v".to_vec()));
        return;
    };
    // A key exactly at the limit must work. For stores whose limit is huge (Redis: 512 MiB) the
    // round trip uses a 1 MiB key instead, so the suite does not ship half a gigabyte.
    let stored = "k".repeat(max.min(AT_LIMIT_ROUND_TRIP_MAX));
    backend
        .set(&stored, b"v", None)
        .await
        .expect("key at the limit");
    assert_eq!(
        backend.get(&stored).await.expect("get"),
        Some(b"v".to_vec())
    );
    let over = "k".repeat(max + 1);
    expect_err(
        backend.set(&over, b"v", None).await,
        "set over the key limit",
        invalid_key,
    );
    expect_err(
        backend.get(&over).await,
        "get over the key limit",
        invalid_key,
    );
    let entries = vec![("fine".to_owned(), b"v".to_vec()), (over, b"v".to_vec())];
    expect_err(
        backend.batch_set(&entries, None).await,
        "batch_set",
        invalid_key,
    );
    assert_eq!(
        backend.get("fine").await.expect("get"),
        None,
        "no partial write"
    );
}

/// A value over the reported limit is refused with `ValueTooLarge` and nothing is written. A
/// backend that reports no limit stores 4 MiB.
pub async fn oversized_value_is_rejected(backend: Arc<dyn Backend>) {
    let too_large = is_too_large;
    let Some(max) = backend.capabilities().max_value_size else {
        let value = vec![7u8; 4 << 20];
        backend
            .set("huge", &value, None)
            .await
            .expect("4 MiB without a limit");
        assert_eq!(
            backend.get("huge").await.expect("get").map(|v| v.len()),
            Some(4 << 20)
        );
        return;
    };
    let over = vec![0u8; max + 1];
    expect_err(
        backend.set("huge", &over, None).await,
        "set over the limit",
        too_large,
    );
    assert_eq!(backend.get("huge").await.expect("get"), None);
    let entries = vec![
        ("small".to_owned(), b"v".to_vec()),
        ("huge".to_owned(), over),
    ];
    expect_err(
        backend.batch_set(&entries, None).await,
        "batch_set",
        too_large,
    );
    assert_eq!(
        backend.get("small").await.expect("get"),
        None,
        "no partial write"
    );
}
