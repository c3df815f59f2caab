//! Small helpers shared by the cases.

use std::sync::Arc;

use crate::{Backend, Entry, Error};

/// Panics with a clear message unless `result` is the error `matches` accepts.
#[track_caller]
pub(crate) fn expect_err<T: std::fmt::Debug>(
    result: crate::Result<T>,
    what: &str,
    matches: impl FnOnce(&Error) -> bool,
) {
    match result {
        Err(err) if matches(&err) => {}
        other => panic!("{what}: unexpected outcome {other:?}"),
    }
}

/// A test of which error a call must fail with.
pub(crate) type ErrorMatch = fn(&Error) -> bool;

/// True when `err` is `InvalidKey`.
pub(crate) fn is_invalid_key(err: &Error) -> bool {
    matches!(err, Error::InvalidKey { .. })
}

/// True when `err` is `ValueTooLarge`.
pub(crate) fn is_too_large(err: &Error) -> bool {
    matches!(err, Error::ValueTooLarge { .. })
}

/// True when `err` is `Unsupported` for `list`.
pub(crate) fn is_unsupported_list(err: &Error) -> bool {
    matches!(
        err,
        Error::Unsupported {
            operation: crate::Operation::List,
            ..
        }
    )
}

/// When the backend cannot list, checks that it says `Unsupported` and returns false, so the
/// case stops there.
pub(crate) async fn can_list(backend: &Arc<dyn Backend>) -> bool {
    if backend.capabilities().list {
        return true;
    }
    expect_err(
        backend.list("").await,
        "a backend without listing must return Unsupported",
        is_unsupported_list,
    );
    false
}

/// Keys as owned strings.
pub(crate) fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|k| (*k).to_owned()).collect()
}

/// `count` entries named `{prefix}{index:05}` whose values are their own names.
pub(crate) fn numbered_entries(prefix: &str, count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| {
            let key = format!("{prefix}{i:05}");
            let value = key.clone().into_bytes();
            (key, value)
        })
        .collect()
}

/// Deterministic bytes that do not compress to nothing.
pub(crate) fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Pages a scan can take before the suite calls it endless.
const MAX_SCAN_PAGES: usize = 10_000;

/// Every page of the scan of `prefix` from `cursor` to the end, each checked to hold at most
/// `limit` keys. A scan that never ends fails after [`MAX_SCAN_PAGES`] pages.
pub(crate) async fn scan_pages(
    backend: &Arc<dyn Backend>,
    prefix: &str,
    mut cursor: Option<String>,
    limit: usize,
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    for _ in 0..MAX_SCAN_PAGES {
        let page = backend
            .scan(prefix, cursor.as_deref(), limit)
            .await
            .expect("scan");
        assert!(
            page.keys.len() <= limit,
            "a page of {} keys, over the limit of {limit}",
            page.keys.len()
        );
        pages.push(page.keys);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
    }
    panic!("the scan of {prefix:?} did not end after {MAX_SCAN_PAGES} pages");
}

/// The keys of every page of a scan of `prefix`, in the order they came.
pub(crate) async fn scan_keys(
    backend: &Arc<dyn Backend>,
    prefix: &str,
    limit: usize,
) -> Vec<String> {
    scan_pages(backend, prefix, None, limit)
        .await
        .into_iter()
        .flatten()
        .collect()
}
