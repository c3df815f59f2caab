//! Cases for `list(prefix)`: sorted, unique, literal, case-sensitive.

use std::sync::Arc;

use super::support::{can_list, keys};
use crate::Backend;

async fn set_all(backend: &Arc<dyn Backend>, names: &[&str]) {
    for name in names {
        backend.set(name, b"v", None).await.expect("set");
    }
}

/// Keys come back sorted ascending by bytes, each once, whatever order they were written in.
pub async fn list_is_sorted_and_unique(backend: Arc<dyn Backend>) {
    if !can_list(&backend).await {
        return;
    }
    let names = ["b/2", "a/10", "b/1", "a/9", "a/1", "A/0", "b/10", "a/1"];
    set_all(&backend, &names).await;
    assert_eq!(
        backend.list("").await.expect("list"),
        keys(&["A/0", "a/1", "a/10", "a/9", "b/1", "b/10", "b/2"])
    );
    assert_eq!(
        backend.list("a/").await.expect("list"),
        keys(&["a/1", "a/10", "a/9"])
    );
}

/// The empty prefix lists every key.
pub async fn list_empty_prefix_lists_every_key(backend: Arc<dyn Backend>) {
    if !can_list(&backend).await {
        return;
    }
    assert!(backend.list("").await.expect("list empty store").is_empty());
    let entries = super::support::numbered_entries("all/", 250);
    backend.batch_set(&entries, None).await.expect("batch_set");
    backend.set("zz-other", b"v", None).await.expect("set");
    let listed = backend.list("").await.expect("list");
    assert_eq!(listed.len(), 251);
    assert_eq!(listed.last().map(String::as_str), Some("zz-other"));
}

/// Wildcard characters of SQL LIKE, globs and regexes in a prefix match only themselves.
pub async fn list_prefix_is_literal(backend: Arc<dyn Backend>) {
    if !can_list(&backend).await {
        return;
    }
    let own = ["p_%!.*[x]:1", "p_%!.*[x]:2"];
    let decoys = [
        "pX%!.*[x]:9",
        "p_Z!.*[x]:9",
        "P_%!.*[X]:9",
        "p_%!X*[x]:9",
        "p_%!.X[x]:9",
    ];
    set_all(&backend, &own).await;
    set_all(&backend, &decoys).await;
    assert_eq!(backend.list("p_%!.*[x]:").await.expect("list"), keys(&own));
    assert_eq!(backend.list("p_%!.*[x]").await.expect("list"), keys(&own));
    assert_eq!(backend.list("p_%").await.expect("list").len(), 4);
    assert_eq!(
        backend.list("p_%!.*[x]:2").await.expect("list"),
        keys(&own[1..])
    );
}

/// Backslashes, `?`, `]`, regex anchors and groups in a prefix match only themselves.
pub async fn list_escapes_backslash_and_anchors(backend: Arc<dyn Backend>) {
    if !can_list(&backend).await {
        return;
    }
    let own = [r"r\?^$(|)]{1}+:a", r"r\?^$(|)]{1}+:b"];
    let decoys = [
        r"rX?^$(|)]{1}+:9",
        r"r\X^$(|)]{1}+:9",
        r"r\?^$(|)]{11}+:9",
        "r?^$:9",
    ];
    set_all(&backend, &own).await;
    set_all(&backend, &decoys).await;
    assert_eq!(
        backend.list(r"r\?^$(|)]{1}+:").await.expect("list"),
        keys(&own)
    );
    assert_eq!(backend.list(r"r\").await.expect("list").len(), 4);
}

/// Prefixes match case-sensitively.
pub async fn list_is_case_sensitive(backend: Arc<dyn Backend>) {
    if !can_list(&backend).await {
        return;
    }
    set_all(&backend, &["Key:1", "key:1", "KEY:1", "kEy:1"]).await;
    assert_eq!(backend.list("key").await.expect("list"), keys(&["key:1"]));
    assert_eq!(
        backend.list("K").await.expect("list"),
        keys(&["KEY:1", "Key:1"])
    );
}

/// A prefix nothing starts with lists nothing, including a prefix longer than every key.
pub async fn list_without_match_is_empty(backend: Arc<dyn Backend>) {
    if !can_list(&backend).await {
        return;
    }
    set_all(&backend, &["abc", "abd"]).await;
    assert!(backend.list("abe").await.expect("list").is_empty());
    assert!(backend.list("abcd").await.expect("list").is_empty());
    assert!(backend.list("b").await.expect("list").is_empty());
}
