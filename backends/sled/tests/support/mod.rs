//! Helpers shared by the sled test files: opening stores and looking into the sled trees.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use kivigo_sled::{SledBackend, SledConfig};

/// The names of the trees kivigo keeps beside the default tree (part of the on-disk format).
pub const EXPIRY_TREE: &str = "__kivigo_expiry:__sled__default";
/// The deadline index of the default tree.
pub const DEADLINE_TREE: &str = "__kivigo_deadlines:__sled__default";

/// A store at `path` with the default settings and a sweeper every `sweep`.
pub async fn open(path: &Path, sweep: Duration) -> SledBackend {
    SledBackend::open(SledConfig {
        sweep_interval: sweep,
        ..SledConfig::new(path)
    })
    .await
    .expect("open sled")
}

/// Entries in the data, expiry and deadline trees of the default tree, read with raw sled
/// (the backend must be closed).
pub fn raw_counts(path: &Path) -> (usize, usize, usize) {
    let db = sled::open(path).expect("raw sled opens the closed database");
    let count = |name: &str| db.open_tree(name).expect("tree").len();
    let counts = (db.len(), count(EXPIRY_TREE), count(DEADLINE_TREE));
    drop(db);
    counts
}

/// Waits until `ttl` (plus sled's 1 ms tick) has surely elapsed since `since`: waiting for an
/// expiry is the one wait on the clock these tests make.
pub async fn wait_expired(since: tokio::time::Instant, ttl: Duration) {
    tokio::time::sleep_until(since + ttl + Duration::from_millis(2)).await;
}

/// Checks, with raw sled on a closed database, that the expiry tree and the deadline index
/// agree entry for entry and only name keys that exist; returns the number of deadlines.
pub fn assert_expiry_consistent(path: &Path) -> usize {
    let db = sled::open(path).expect("raw sled opens the closed database");
    let expiry = db.open_tree(EXPIRY_TREE).expect("expiry tree");
    let index = db.open_tree(DEADLINE_TREE).expect("deadline tree");
    for entry in expiry.iter() {
        let (key, deadline) = entry.expect("expiry entry");
        assert_eq!(deadline.len(), 8, "a deadline is 8 bytes");
        let mut indexed = deadline.to_vec();
        indexed.extend_from_slice(&key);
        assert!(
            index.contains_key(&indexed).expect("index"),
            "{key:?} is indexed"
        );
        assert!(db.contains_key(&key).expect("data"), "{key:?} has a value");
    }
    assert_eq!(index.len(), expiry.len(), "one index entry per deadline");
    expiry.len()
}
