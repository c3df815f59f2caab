//! Cases for get, set and delete of single keys.

use std::sync::Arc;

use super::support::can_list;
use crate::Backend;

/// A key that was never written reads as `None`, not as an error.
pub async fn get_missing_key_is_none(backend: Arc<dyn Backend>) {
    let got = backend.get("never-written").await.expect("get");
    assert_eq!(got, None);
}

/// A written value reads back unchanged.
pub async fn set_then_get_returns_value(backend: Arc<dyn Backend>) {
    backend.set("alpha", b"one", None).await.expect("set");
    assert_eq!(
        backend.get("alpha").await.expect("get"),
        Some(b"one".to_vec())
    );
}

/// A second set replaces the first value.
pub async fn set_overwrites(backend: Arc<dyn Backend>) {
    backend.set("k", b"first", None).await.expect("set");
    backend
        .set("k", b"second, longer", None)
        .await
        .expect("overwrite");
    backend
        .set("k", b"3", None)
        .await
        .expect("overwrite with shorter");
    assert_eq!(backend.get("k").await.expect("get"), Some(b"3".to_vec()));
}

/// `delete` says whether the key existed, and deleting a missing key is `Ok(false)`.
pub async fn delete_reports_whether_key_existed(backend: Arc<dyn Backend>) {
    backend.set("d", b"x", None).await.expect("set");
    assert!(backend.delete("d").await.expect("delete"), "key existed");
    assert_eq!(
        backend.get("d").await.expect("get"),
        None,
        "gone after delete"
    );
    assert!(
        !backend.delete("d").await.expect("delete again"),
        "already gone"
    );
    assert!(
        !backend
            .delete("never-written")
            .await
            .expect("delete missing")
    );
}

/// `K1` and `k1` are two keys.
pub async fn keys_are_case_sensitive(backend: Arc<dyn Backend>) {
    backend.set("K1", b"upper", None).await.expect("set K1");
    backend.set("k1", b"lower", None).await.expect("set k1");
    assert_eq!(
        backend.get("K1").await.expect("get"),
        Some(b"upper".to_vec())
    );
    assert_eq!(
        backend.get("k1").await.expect("get"),
        Some(b"lower".to_vec())
    );
    assert!(backend.delete("K1").await.expect("delete K1"));
    assert_eq!(
        backend.get("k1").await.expect("get"),
        Some(b"lower".to_vec())
    );
}

/// Keys outside ASCII are stored and listed as themselves.
pub async fn unicode_keys_round_trip(backend: Arc<dyn Backend>) {
    let names = ["ключ", "日本語/キー", "emoji-🔑", "Ünïcödé-ß", "é"];
    for (i, key) in names.iter().enumerate() {
        backend
            .set(key, &[i as u8], None)
            .await
            .expect("set unicode key");
    }
    for (i, key) in names.iter().enumerate() {
        assert_eq!(
            backend.get(key).await.expect("get"),
            Some(vec![i as u8]),
            "{key}"
        );
    }
    // "é" as a decomposed sequence is a different key from the composed one.
    assert_eq!(backend.get("e\u{301}").await.expect("get"), None);
    if can_list(&backend).await {
        let mut expected: Vec<String> = names.iter().map(|k| (*k).to_owned()).collect();
        expected.sort();
        assert_eq!(backend.list("").await.expect("list"), expected);
        assert_eq!(backend.list("日本").await.expect("list"), ["日本語/キー"]);
    }
}

/// All 256 byte values survive, in any order.
pub async fn every_byte_value_round_trips(backend: Arc<dyn Backend>) {
    let ascending: Vec<u8> = (0..=255).collect();
    let descending: Vec<u8> = (0..=255).rev().collect();
    backend
        .set("bytes-up", &ascending, None)
        .await
        .expect("set");
    backend
        .set("bytes-down", &descending, None)
        .await
        .expect("set");
    assert_eq!(backend.get("bytes-up").await.expect("get"), Some(ascending));
    assert_eq!(
        backend.get("bytes-down").await.expect("get"),
        Some(descending)
    );
}

/// An empty value is a value: it reads back as `Some(vec![])`, not `None`.
pub async fn empty_value_is_not_missing(backend: Arc<dyn Backend>) {
    backend.set("empty", b"", None).await.expect("set empty");
    assert_eq!(backend.get("empty").await.expect("get"), Some(Vec::new()));
    let found = backend
        .batch_get(&["empty".to_owned()])
        .await
        .expect("batch_get");
    assert_eq!(found.get("empty"), Some(&Vec::new()));
}

/// A 1 MiB value round-trips, or is refused as too large when the backend says its limit is
/// lower.
pub async fn one_mib_value_round_trips(backend: Arc<dyn Backend>) {
    let value = super::support::noise(1 << 20);
    match backend.capabilities().max_value_size {
        Some(max) if max < value.len() => {
            super::support::expect_err(
                backend.set("big", &value, None).await,
                "1 MiB is over the reported limit",
                |e| matches!(e, crate::Error::ValueTooLarge { .. }),
            );
        }
        _ => {
            backend.set("big", &value, None).await.expect("set 1 MiB");
            assert!(
                backend.get("big").await.expect("get") == Some(value),
                "1 MiB differs"
            );
        }
    }
}
