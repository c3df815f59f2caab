//! Every way a key can be read, checked alike: the expiry cases ask all of them whether a key
//! is there.

use std::collections::HashSet;
use std::sync::Arc;

use futures::TryStreamExt;

use super::deadline::Deadline;
use super::support::{keys as owned, scan_keys};
use crate::{Backend, Client};

/// The value every expiry case writes: valid JSON (so the typed reads decode it) and a counter.
pub(crate) const V: &[u8] = b"7";

/// What the read paths must say about a key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect<'a> {
    /// The key is there (it is persistent).
    Present,
    /// The key is gone (its TTL has elapsed).
    Gone,
    /// The key was written with a TTL that may not have elapsed: it is there unless the TTL ran
    /// out before the read.
    Live(&'a Deadline),
}

impl Expect<'_> {
    #[track_caller]
    fn check(&self, present: bool, key: &str, path: &str) {
        match self {
            Expect::Present => assert!(present, "{path}: {key:?} is missing"),
            Expect::Gone => assert!(!present, "{path}: {key:?} is still there after its TTL"),
            Expect::Live(deadline) => deadline.assert_live(present, &format!("{path}: {key:?}")),
        }
    }
}

/// Asks every read path about `keys` (written with the value [`V`]): get, has_key, ttl,
/// batch_get, the client's get_many and exists_many, and, where the backend has them, list,
/// scan and the client's keys and entries streams.
pub(crate) async fn check_read_paths(
    backend: &Arc<dyn Backend>,
    keys: &[&str],
    expect: Expect<'_>,
) {
    let client = Client::from_arc(backend.clone());
    for key in keys {
        let got = backend.get(key).await.expect("get");
        if let Some(value) = &got {
            assert_eq!(value, V, "get: value of {key:?}");
        }
        expect.check(got.is_some(), key, "get");
        expect.check(client.has_key(key).await.expect("has_key"), key, "has_key");
        expect.check(backend.ttl(key).await.expect("ttl").exists(), key, "ttl");
    }
    let found = backend.batch_get(&owned(keys)).await.expect("batch_get");
    let many: Vec<Option<u64>> = client
        .get_many(keys.iter().copied())
        .await
        .expect("get_many");
    let exists = client
        .exists_many(keys.iter().copied())
        .await
        .expect("exists_many");
    for (i, key) in keys.iter().enumerate() {
        expect.check(found.contains_key(*key), key, "batch_get");
        expect.check(many[i].is_some(), key, "get_many");
        expect.check(exists[i], key, "exists_many");
    }
    if backend.capabilities().list {
        let listed: HashSet<String> = backend.list("").await.expect("list").into_iter().collect();
        for key in keys {
            expect.check(listed.contains(*key), key, "list");
        }
    }
    if backend.capabilities().scan.is_some() {
        let scanned: HashSet<String> = scan_keys(backend, "", 100).await.into_iter().collect();
        let streamed: HashSet<String> = client.keys("").try_collect().await.expect("keys");
        let entries: Vec<(String, u64)> = client.entries("").try_collect().await.expect("entries");
        let entries: HashSet<String> = entries.into_iter().map(|(key, _)| key).collect();
        for key in keys {
            expect.check(scanned.contains(*key), key, "scan");
            expect.check(streamed.contains(*key), key, "Client::keys");
            expect.check(entries.contains(*key), key, "Client::entries");
        }
    }
}
