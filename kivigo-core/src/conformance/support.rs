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
