//! Cases for `batch_write`: puts and deletes mixed in one call.

use std::sync::Arc;

use super::gates::can_batch_write;
use super::support::{
    ErrorMatch, can_list, expect_err, is_invalid_key, is_too_large, keys, numbered_entries,
};
use crate::{Backend, Client, WriteOp};

/// Puts and deletes of one call are all applied: a rename (put the new key, delete the old)
/// among other keys.
pub async fn batch_write_applies_puts_and_deletes(backend: Arc<dyn Backend>) {
    if !can_batch_write(&backend).await {
        return;
    }
    backend
        .set("old-name", b"payload", None)
        .await
        .expect("set");
    backend.set("stale", b"x", None).await.expect("set");
    backend.set("other", b"kept", None).await.expect("set");
    let ops = [
        WriteOp::put("new-name", b"payload".to_vec()),
        WriteOp::delete("old-name"),
        WriteOp::delete("stale"),
        WriteOp::delete("never-there"),
        WriteOp::put("fresh", b"".to_vec()),
    ];
    backend.batch_write(&ops).await.expect("batch_write");
    assert_eq!(
        backend.get("new-name").await.expect("get"),
        Some(b"payload".to_vec())
    );
    assert_eq!(backend.get("old-name").await.expect("get"), None);
    assert_eq!(backend.get("stale").await.expect("get"), None);
    assert_eq!(backend.get("never-there").await.expect("get"), None);
    assert_eq!(backend.get("fresh").await.expect("get"), Some(Vec::new()));
    assert_eq!(
        backend.get("other").await.expect("get"),
        Some(b"kept".to_vec())
    );
    if can_list(&backend).await {
        let listed = backend.list("").await.expect("list");
        assert_eq!(listed, keys(&["fresh", "new-name", "other"]));
    }
}

/// When a key appears in several operations, the last one wins: put then delete leaves it
/// absent, delete then put leaves it present, two puts leave the second value.
pub async fn batch_write_last_operation_wins(backend: Arc<dyn Backend>) {
    if !can_batch_write(&backend).await {
        return;
    }
    backend.set("existing", b"before", None).await.expect("set");
    let ops = [
        WriteOp::put("put-del", b"1".to_vec()),
        WriteOp::delete("existing"),
        WriteOp::put("twice", b"first".to_vec()),
        WriteOp::delete("del-put"),
        WriteOp::put("existing", b"after".to_vec()),
        WriteOp::delete("put-del"),
        WriteOp::put("del-put", b"2".to_vec()),
        WriteOp::put("twice", b"second".to_vec()),
    ];
    backend.batch_write(&ops).await.expect("batch_write");
    assert_eq!(backend.get("put-del").await.expect("get"), None);
    assert_eq!(
        backend.get("del-put").await.expect("get"),
        Some(b"2".to_vec())
    );
    assert_eq!(
        backend.get("existing").await.expect("get"),
        Some(b"after".to_vec())
    );
    assert_eq!(
        backend.get("twice").await.expect("get"),
        Some(b"second".to_vec())
    );
}

/// An empty batch_write succeeds and changes nothing.
pub async fn empty_batch_write_is_a_no_op(backend: Arc<dyn Backend>) {
    if !can_batch_write(&backend).await {
        return;
    }
    backend.set("keep", b"v", None).await.expect("set");
    backend.batch_write(&[]).await.expect("empty batch_write");
    assert_eq!(backend.get("keep").await.expect("get"), Some(b"v".to_vec()));
    if can_list(&backend).await {
        assert_eq!(backend.list("").await.expect("list"), keys(&["keep"]));
    }
}

/// A bad key (empty, over the limit) or an oversized value in any operation fails the whole call
/// before anything is written or deleted.
pub async fn batch_write_with_a_bad_op_writes_nothing(backend: Arc<dyn Backend>) {
    if !can_batch_write(&backend).await {
        return;
    }
    let caps = backend.capabilities().clone();
    let (invalid_key, too_large) = (is_invalid_key as ErrorMatch, is_too_large as ErrorMatch);
    let mut bad: Vec<(WriteOp, ErrorMatch)> = vec![
        (WriteOp::put("", b"v".to_vec()), invalid_key),
        (WriteOp::delete(""), invalid_key),
    ];
    if let Some(max) = caps.max_key_size {
        bad.push((
            WriteOp::put("k".repeat(max + 1), b"v".to_vec()),
            invalid_key,
        ));
        bad.push((WriteOp::delete("k".repeat(max + 1)), invalid_key));
    }
    if let Some(max) = caps.max_value_size {
        bad.push((WriteOp::put("huge", vec![0; max + 1]), too_large));
    }
    backend.set("victim", b"v", None).await.expect("set");
    for (op, matches) in bad {
        let what = match &op {
            WriteOp::Put { key, value, .. } => format!(
                "batch_write with a put of a {}-byte key and a {}-byte value",
                key.len(),
                value.len()
            ),
            WriteOp::Delete { key } => {
                format!("batch_write with a delete of a {}-byte key", key.len())
            }
        };
        let ops = [
            WriteOp::put("before", b"v".to_vec()),
            WriteOp::delete("victim"),
            op,
            WriteOp::put("after", b"v".to_vec()),
        ];
        expect_err(backend.batch_write(&ops).await, &what, matches);
        for key in ["before", "after", "huge"] {
            assert_eq!(
                backend.get(key).await.expect("get"),
                None,
                "{what}: {key} written"
            );
        }
        let victim = backend.get("victim").await.expect("get");
        assert_eq!(victim, Some(b"v".to_vec()), "{what}: victim deleted");
    }
}

/// 2,500 operations in one call — 2,000 puts and 500 deletes — are all applied (backends
/// chunk as they need).
pub async fn batch_write_of_thousands_of_ops(backend: Arc<dyn Backend>) {
    if !can_batch_write(&backend).await {
        return;
    }
    let doomed = numbered_entries("del/", 500);
    backend.batch_set(&doomed, None).await.expect("batch_set");
    let puts = numbered_entries("put/", 2_000);
    let mut ops: Vec<WriteOp> = puts
        .iter()
        .map(|(k, v)| WriteOp::put(k, v.clone()))
        .collect();
    ops.extend(doomed.iter().map(|(key, _)| WriteOp::delete(key)));
    backend
        .batch_write(&ops)
        .await
        .expect("batch_write of 2,500 ops");
    let names: Vec<String> = puts.iter().map(|(key, _)| key.clone()).collect();
    let found = backend.batch_get(&names).await.expect("batch_get");
    assert_eq!(found.len(), puts.len());
    assert!(
        puts.iter()
            .all(|(key, value)| found.get(key) == Some(value)),
        "values differ"
    );
    let gone: Vec<String> = doomed.into_iter().map(|(key, _)| key).collect();
    assert!(
        backend
            .batch_get(&gone)
            .await
            .expect("batch_get")
            .is_empty(),
        "deletes lost"
    );
}

/// The client's batch_write takes typed puts made by `put_op`, and deletes.
pub async fn typed_batch_write_with_put_op(backend: Arc<dyn Backend>) {
    if !can_batch_write(&backend).await {
        return;
    }
    let client = Client::from_arc(backend);
    client.set("old", &vec![1_u8, 2]).await.expect("set");
    let ops = [
        client.put_op("new", &vec![1_u8, 2]).expect("put_op"),
        client.put_op("name", "Zoë").expect("put_op"),
        WriteOp::delete("old"),
    ];
    client.batch_write(&ops).await.expect("batch_write");
    assert_eq!(
        client.get::<Vec<u8>>("new").await.expect("get"),
        Some(vec![1, 2])
    );
    assert_eq!(
        client.get::<String>("name").await.expect("get"),
        Some("Zoë".into())
    );
    assert!(!client.has_key("old").await.expect("has_key"));
    client.batch_write(&[]).await.expect("empty batch_write");
}
