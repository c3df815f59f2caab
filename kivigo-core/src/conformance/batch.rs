//! Cases for the batch operations.

use std::collections::HashMap;
use std::sync::Arc;

use super::support::{can_list, keys, numbered_entries};
use crate::{Backend, Entry};

/// Missing keys are absent from a batch get, not empty values.
pub async fn batch_get_leaves_missing_keys_out(backend: Arc<dyn Backend>) {
    backend.set("here-1", b"1", None).await.expect("set");
    backend.set("here-2", b"", None).await.expect("set");
    let found = backend
        .batch_get(&keys(&["here-1", "missing", "here-2", "also-missing"]))
        .await
        .expect("batch_get");
    let expected: HashMap<String, Vec<u8>> = [
        ("here-1".to_owned(), b"1".to_vec()),
        ("here-2".to_owned(), Vec::new()),
    ]
    .into();
    assert_eq!(found, expected);
}

/// A key named twice in a batch get is fine and appears once.
pub async fn batch_get_accepts_duplicate_keys(backend: Arc<dyn Backend>) {
    backend.set("dup", b"v", None).await.expect("set");
    let found = backend
        .batch_get(&keys(&["dup", "dup", "nope", "dup"]))
        .await
        .expect("batch_get");
    assert_eq!(found.len(), 1);
    assert_eq!(found.get("dup"), Some(&b"v".to_vec()));
}

/// Empty batches succeed and change nothing.
pub async fn empty_batches_are_no_ops(backend: Arc<dyn Backend>) {
    backend.set("keep", b"v", None).await.expect("set");
    assert!(
        backend
            .batch_get(&[])
            .await
            .expect("empty batch_get")
            .is_empty()
    );
    backend.batch_set(&[], None).await.expect("empty batch_set");
    assert_eq!(
        backend.batch_delete(&[]).await.expect("empty batch_delete"),
        0
    );
    assert_eq!(backend.get("keep").await.expect("get"), Some(b"v".to_vec()));
    if can_list(&backend).await {
        assert_eq!(backend.list("").await.expect("list"), keys(&["keep"]));
    }
}

/// When a batch write names a key twice, the last value wins.
pub async fn batch_set_last_write_wins(backend: Arc<dyn Backend>) {
    let entries: Vec<Entry> = vec![
        ("a".into(), b"first".to_vec()),
        ("b".into(), b"only".to_vec()),
        ("a".into(), b"second".to_vec()),
        ("a".into(), b"last".to_vec()),
    ];
    backend.batch_set(&entries, None).await.expect("batch_set");
    assert_eq!(backend.get("a").await.expect("get"), Some(b"last".to_vec()));
    assert_eq!(backend.get("b").await.expect("get"), Some(b"only".to_vec()));
}

/// A batch delete counts the keys that existed; missing keys and repeats do not count.
pub async fn batch_delete_counts_existing_keys_once(backend: Arc<dyn Backend>) {
    backend.set("x", b"1", None).await.expect("set");
    backend.set("y", b"2", None).await.expect("set");
    backend.set("z", b"3", None).await.expect("set");
    let deleted = backend
        .batch_delete(&keys(&["x", "x", "missing", "y", "x"]))
        .await
        .expect("batch_delete");
    assert_eq!(deleted, 2);
    assert_eq!(backend.get("x").await.expect("get"), None);
    assert_eq!(backend.get("z").await.expect("get"), Some(b"3".to_vec()));
    let again = backend
        .batch_delete(&keys(&["x", "y"]))
        .await
        .expect("again");
    assert_eq!(again, 0);
}

/// 10,000 keys go through one batch set, get and delete (backends chunk as they need).
pub async fn batch_of_ten_thousand_keys(backend: Arc<dyn Backend>) {
    let entries = numbered_entries("bulk/", 10_000);
    backend
        .batch_set(&entries, None)
        .await
        .expect("batch_set 10k");
    let names: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    let found = backend.batch_get(&names).await.expect("batch_get 10k");
    assert_eq!(found.len(), 10_000);
    for (key, value) in &entries {
        assert_eq!(found.get(key), Some(value), "{key}");
    }
    if can_list(&backend).await {
        assert_eq!(backend.list("bulk/").await.expect("list 10k"), names);
    }
    assert_eq!(
        backend.batch_delete(&names).await.expect("batch_delete"),
        10_000
    );
    assert!(
        backend
            .batch_get(&names)
            .await
            .expect("batch_get")
            .is_empty()
    );
}
