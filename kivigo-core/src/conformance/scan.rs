//! Cases for `scan` and the client's streams over it: bounded pages, every key, resumable from
//! a stored cursor, literal prefixes.

use std::collections::HashSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};

use super::gates::{scan_order, unsupported};
use super::support::{expect_err, numbered_entries, scan_keys, scan_pages};
use crate::{Backend, Client, Error, Operation, ScanOrder};

/// Keys under the scanned prefix: 25 pages of 100.
const KEYSPACE: usize = 2_500;
const PAGE: usize = 100;
const PREFIX: &str = "sc/";
/// Keys close to the prefix that must never appear in its scan.
const DECOYS: [&str; 7] = ["sc", "sc.0", "sc0", "SC/1", "sb/9", "sd/0", "s"];

/// Writes the keyspace (each value is its key) and the decoys; returns the keys, sorted.
async fn keyspace(backend: &Arc<dyn Backend>) -> Vec<String> {
    let entries = numbered_entries(PREFIX, KEYSPACE);
    backend
        .batch_set(&entries, None)
        .await
        .expect("batch_set keyspace");
    let decoys: Vec<_> = DECOYS
        .iter()
        .map(|k| ((*k).to_owned(), b"d".to_vec()))
        .collect();
    backend
        .batch_set(&decoys, None)
        .await
        .expect("batch_set decoys");
    entries.into_iter().map(|(key, _)| key).collect()
}

/// Checks that `scanned` is `expected` as the scan order promises: exactly, in order, for
/// sorted scans; every key at least once and nothing else for unordered ones.
#[track_caller]
fn assert_covers(order: ScanOrder, scanned: &[String], expected: &[String], what: &str) {
    if order == ScanOrder::Sorted {
        assert!(
            scanned == expected,
            "{what}: not every key exactly once, in order"
        );
        return;
    }
    let seen: HashSet<&String> = scanned.iter().collect();
    let wanted: HashSet<&String> = expected.iter().collect();
    assert!(
        seen == wanted,
        "{what}: keys missing, or keys outside the prefix"
    );
}

/// A keyspace of 25 pages under a prefix, among decoys: every page holds at most the limit, and
/// the pages together hold every key of the prefix (exactly once, in order, when sorted).
pub async fn scan_pages_cover_the_prefix(backend: Arc<dyn Backend>) {
    let Some(order) = scan_order(&backend).await else {
        return;
    };
    let expected = keyspace(&backend).await;
    // `scan_keys` checks that no page holds more than the limit.
    let scanned = scan_keys(&backend, PREFIX, PAGE).await;
    assert_covers(order, &scanned, &expected, "scan");
}

/// A scan stopped after a few pages resumes from its cursor, kept as a plain string, and the
/// rest of the pages complete it.
pub async fn scan_resumes_from_a_saved_cursor(backend: Arc<dyn Backend>) {
    let Some(order) = scan_order(&backend).await else {
        return;
    };
    let expected = keyspace(&backend).await;
    let mut scanned = Vec::new();
    let mut saved: Option<String> = None;
    for _ in 0..3 {
        let page = backend
            .scan(PREFIX, saved.as_deref(), PAGE)
            .await
            .expect("scan");
        assert!(page.keys.len() <= PAGE);
        scanned.extend(page.keys);
        saved = Some(page.cursor.expect("a scan of 25 pages ended after a few"));
    }
    // Only the text is kept, as if stored in a database and read back by another process.
    let stored: String = saved.expect("a cursor after three pages");
    let client = Client::from_arc(backend.clone());
    let mut cursor = Some(stored);
    while let Some(from) = cursor {
        let page = client
            .scan(PREFIX, Some(&from), PAGE)
            .await
            .expect("resumed scan");
        assert!(page.keys.len() <= PAGE);
        scanned.extend(page.keys);
        cursor = page.cursor;
    }
    assert_covers(
        order,
        &scanned,
        &expected,
        "scan resumed from a saved cursor",
    );
}

/// SQL LIKE wildcards, glob and regex characters, backslashes and anchors in a prefix match only
/// themselves, page by page too (the same keys as the list cases).
pub async fn scan_prefix_is_literal(backend: Arc<dyn Backend>) {
    let Some(order) = scan_order(&backend).await else {
        return;
    };
    let own = [
        "p_%!.*[x]:1",
        "p_%!.*[x]:2",
        r"r\?^$(|)]{1}+:a",
        r"r\?^$(|)]{1}+:b",
    ];
    let decoys = [
        "pX%!.*[x]:9",
        "p_Z!.*[x]:9",
        "P_%!.*[X]:9",
        "p_%!X*[x]:9",
        "p_%!.X[x]:9",
        r"rX?^$(|)]{1}+:9",
        r"r\X^$(|)]{1}+:9",
        r"r\?^$(|)]{11}+:9",
        "r?^$:9",
    ];
    let all: Vec<_> = own
        .iter()
        .chain(&decoys)
        .map(|k| ((*k).to_owned(), b"v".to_vec()))
        .collect();
    backend.batch_set(&all, None).await.expect("batch_set");
    for (prefix, wanted) in [("p_%!.*[x]:", &own[..2]), (r"r\?^$(|)]{1}+:", &own[2..])] {
        let expected: Vec<String> = wanted.iter().map(|k| (*k).to_owned()).collect();
        for limit in [1, PAGE] {
            let scanned = scan_keys(&backend, prefix, limit).await;
            assert_covers(order, &scanned, &expected, &format!("scan of {prefix:?}"));
        }
    }
    let wide: HashSet<String> = scan_keys(&backend, "p_%", PAGE).await.into_iter().collect();
    assert_eq!(wide.len(), 4, "p_% matched {wide:?}");
}

/// The empty prefix scans every key; a prefix nothing starts with ends with no keys at all.
pub async fn scan_empty_prefix_scans_everything(backend: Arc<dyn Backend>) {
    let Some(order) = scan_order(&backend).await else {
        return;
    };
    let none = scan_keys(&backend, "", PAGE).await;
    assert!(none.is_empty(), "an empty store scanned {none:?}");
    let entries = numbered_entries("all/", 250);
    backend.batch_set(&entries, None).await.expect("batch_set");
    backend.set("zz", b"v", None).await.expect("set");
    let mut expected: Vec<String> = entries.into_iter().map(|(key, _)| key).collect();
    expected.push("zz".to_owned());
    assert_covers(
        order,
        &scan_keys(&backend, "", PAGE).await,
        &expected,
        "scan of \"\"",
    );
    for prefix in ["nope", "all/x", "zzz", "all/1"] {
        let pages = scan_pages(&backend, prefix, None, PAGE).await;
        assert!(
            pages.iter().all(Vec::is_empty),
            "{prefix:?} scanned {pages:?}"
        );
    }
}

/// A limit of 0 is `InvalidArgument` for the scan, through the backend and the client.
pub async fn scan_limit_zero_is_invalid(backend: Arc<dyn Backend>) {
    if scan_order(&backend).await.is_none() {
        return;
    }
    let invalid = |e: &Error| {
        matches!(
            e,
            Error::InvalidArgument {
                operation: Operation::Scan,
                ..
            }
        )
    };
    expect_err(
        backend.scan("", None, 0).await,
        "scan with limit 0",
        invalid,
    );
    let client = Client::from_arc(backend);
    expect_err(
        client.scan("", None, 0).await,
        "Client::scan with limit 0",
        invalid,
    );
    let first = client.key_pages("", 0).next().await;
    expect_err(
        first.expect("an error item"),
        "Client::key_pages of 0",
        invalid,
    );
}

/// The client's streams — keys, key_pages, entries, entries_raw — go through the whole
/// keyspace with values; without scans they yield `Unsupported`.
pub async fn typed_streams_cover_the_prefix(backend: Arc<dyn Backend>) {
    let client = Client::from_arc(backend.clone());
    let Some(order) = scan_order(&backend).await else {
        let first = client.keys("").next().await.expect("an error item");
        expect_err(
            first,
            "Client::keys without scans",
            unsupported(Operation::Scan),
        );
        return;
    };
    let expected = keyspace(&backend).await;
    let keys: Vec<String> = client.keys(PREFIX).try_collect().await.expect("keys");
    assert_covers(order, &dedup(keys, order), &expected, "Client::keys");
    let pages: Vec<Vec<String>> = client
        .key_pages(PREFIX, PAGE)
        .try_collect()
        .await
        .expect("pages");
    assert!(
        pages
            .iter()
            .all(|page| !page.is_empty() && page.len() <= PAGE)
    );
    let paged = dedup(pages.into_iter().flatten().collect(), order);
    assert_covers(order, &paged, &expected, "Client::key_pages");
    // The keyspace's values are their keys, not JSON: read them raw, and typed values apart.
    let raw: Vec<(String, Vec<u8>)> = client.entries_raw(PREFIX).try_collect().await.expect("raw");
    assert!(
        raw.iter().all(|(key, value)| value == key.as_bytes()),
        "entries_raw values"
    );
    let raw_keys = dedup(raw.into_iter().map(|(key, _)| key).collect(), order);
    assert_covers(order, &raw_keys, &expected, "Client::entries_raw");
    let numbers: Vec<_> = (0..300).map(|i| (format!("num/{i:03}"), i)).collect();
    client
        .batch_set(numbers.iter().map(|(k, v)| (k.as_str(), v)))
        .await
        .expect("batch_set");
    let typed: Vec<(String, u32)> = client.entries("num/").try_collect().await.expect("entries");
    let mut typed = typed;
    typed.sort_unstable();
    typed.dedup();
    assert_eq!(typed, numbers, "Client::entries");
}

/// For unordered scans, each key once (sorted), to compare with the keyspace; sorted scans
/// are compared as they came.
fn dedup(mut keys: Vec<String>, order: ScanOrder) -> Vec<String> {
    if order != ScanOrder::Sorted {
        keys.sort_unstable();
        keys.dedup();
    }
    keys
}
