//! Write batches cut short on private servers: killed or frozen while a large `batch_set` runs,
//! or one of two servers down for a `batch_write`. The error is `PartialBatch`, and its progress
//! is exact: every key once, the acknowledged ones really written, the ones not sent really
//! absent.

// Shared by several test binaries, each of which uses part of it.
#[allow(dead_code)]
#[path = "support/server.rs"]
mod server;

use std::collections::HashSet;
use std::sync::Arc;

use kivigo_core::conformance::process::within_guard;
use kivigo_core::{Backend, BackendUrl, BatchProgress, Entry, Error, Operation, WriteOp};
use kivigo_memcached::{MemcachedBackend, open_url};
use server::OwnServer;

/// Entries of a batch long enough (200 chunks of 1,000) that it is still running when the test
/// has seen its first chunk land and stops the server.
const ENTRIES: usize = 200_000;

async fn open(url: &str) -> MemcachedBackend {
    open_url(&BackendUrl::parse(url).expect("URL"))
        .await
        .expect("open")
}

fn entries() -> Vec<Entry> {
    (0..ENTRIES)
        .map(|i| (format!("k{i:06}"), format!("value-{i:06}").into_bytes()))
        .collect()
}

/// Starts `batch_set(entries)` in a task and returns once its first chunk has landed on the
/// server (seen through another connection: a bounded poll on the server's state, not a sleep).
async fn start_batch(
    backend: &Arc<MemcachedBackend>,
    watcher: &MemcachedBackend,
    entries: &Arc<Vec<Entry>>,
) -> tokio::task::JoinHandle<kivigo_core::Result<()>> {
    let writer = tokio::spawn({
        let (backend, entries) = (backend.clone(), entries.clone());
        async move { backend.batch_set(&entries, None).await }
    });
    let last_of_first_chunk = &entries[999].0;
    within_guard("the first chunk to land", async {
        while watcher
            .get(last_of_first_chunk)
            .await
            .expect("get")
            .is_none()
        {
            tokio::task::yield_now().await;
        }
    })
    .await;
    writer
}

/// The progress of a batch_set of [`entries`] that failed, checked for shape: a single server
/// answers in order, so the written keys, then the unknown ones, then those not written are the
/// batch's keys in order, each once; the first chunk is written or unknown, and the batch stopped
/// before its end.
fn progress_of(outcome: kivigo_core::Result<()>, entries: &[Entry]) -> BatchProgress {
    let (progress, source) = match outcome {
        Err(Error::PartialBatch {
            backend: "memcached",
            operation: Operation::BatchSet,
            progress,
            source,
        }) => (*progress, source),
        other => panic!("expected a PartialBatch, got {other:?}"),
    };
    assert!(source.is_transient(), "{source:?}");
    let order: Vec<&str> = progress
        .written
        .iter()
        .chain(&progress.unknown)
        .chain(&progress.not_written)
        .map(String::as_str)
        .collect();
    let keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_str()).collect();
    assert!(order == keys, "the progress is not the batch in order");
    assert!(
        progress.written.len() + progress.unknown.len() >= 1000,
        "the first chunk landed"
    );
    assert!(
        !progress.not_written.is_empty(),
        "the batch finished before the server stopped"
    );
    assert!(
        progress.unknown.len() <= 1000,
        "at most the chunk in flight is unknown: {}",
        progress.unknown.len()
    );
    progress
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_batch_gives_a_partial_batch() {
    let Some(mut server) = OwnServer::start(&["-m", "256"]) else {
        return;
    };
    let backend = Arc::new(open(&format!("{}?timeout=5s", server.url())).await);
    let watcher = open(&server.url()).await;
    let entries = Arc::new(entries());
    let writer = start_batch(&backend, &watcher, &entries).await;
    server.stop();
    let outcome = within_guard("the batch", writer).await.expect("task");
    let progress = progress_of(outcome, &entries);
    assert_eq!(
        progress.to_retry().count(),
        ENTRIES - progress.written.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_frozen_mid_batch_leaves_exactly_what_the_progress_says() {
    let Some(mut server) = OwnServer::start(&["-m", "256"]) else {
        return;
    };
    let backend = Arc::new(open(&format!("{}?timeout=1s", server.url())).await);
    let watcher = open(&server.url()).await;
    let entries = Arc::new(entries());
    let writer = start_batch(&backend, &watcher, &entries).await;
    server.pause();
    let outcome = within_guard("the batch", writer).await.expect("task");
    server.resume();
    let progress = progress_of(outcome, &entries);
    // The server kept everything, so the progress can be checked against it: what was
    // acknowledged is there with its value, what was not sent in full is not. (Unknown keys may
    // be either: their commands reached the server's socket before it froze.)
    let values: std::collections::HashMap<&str, &[u8]> = entries
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_slice()))
        .collect();
    let written = watcher.batch_get(&progress.written).await.expect("get");
    assert_eq!(
        written.len(),
        progress.written.len(),
        "an acknowledged key is missing"
    );
    assert!(
        written
            .iter()
            .all(|(key, value)| values[key.as_str()] == value.as_slice())
    );
    let absent = watcher.batch_get(&progress.not_written).await.expect("get");
    assert!(
        absent.is_empty(),
        "{} keys not sent are there",
        absent.len()
    );
    // The same client goes on once the server answers again.
    backend
        .set("after", b"v", None)
        .await
        .expect("set after the freeze");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_write_over_two_servers_with_one_down() {
    let (Some(live), Some(mut down)) = (OwnServer::start(&[]), OwnServer::start(&[])) else {
        return;
    };
    let url = format!(
        "memcached://127.0.0.1:{},127.0.0.1:{}",
        live.port(),
        down.port()
    );
    let both = open(&url).await;
    let only_live = open(&live.url()).await;
    let only_down = open(&down.url()).await;
    // Old keys to delete, on both servers.
    let old: Vec<Entry> = (0..100)
        .map(|i| (format!("old-{i}"), b"x".to_vec()))
        .collect();
    both.batch_set(&old, None).await.expect("batch_set");
    let on_down: HashSet<String> = only_down
        .batch_get(&old.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>())
        .await
        .expect("get")
        .into_keys()
        .collect();
    assert!(
        !on_down.is_empty() && on_down.len() < 100,
        "keys spread over both"
    );
    drop(only_down);
    down.stop();

    let mut ops: Vec<WriteOp> = (0..100)
        .map(|i| WriteOp::put(format!("new-{i}"), b"n".to_vec()))
        .collect();
    ops.extend(old.iter().map(|(key, _)| WriteOp::delete(key)));
    let progress = match both.batch_write(&ops).await {
        Err(Error::PartialBatch {
            operation: Operation::BatchWrite,
            progress,
            source,
            ..
        }) => {
            assert!(matches!(*source, Error::Unavailable { .. }), "{source:?}");
            *progress
        }
        other => panic!("expected a PartialBatch, got {other:?}"),
    };
    // Nothing reached the server that is down: its keys are not written, not unknown.
    assert!(progress.unknown.is_empty(), "{:?}", progress.unknown);
    let all: HashSet<&str> = ops.iter().map(WriteOp::key).collect();
    let written: HashSet<&str> = progress.written.iter().map(String::as_str).collect();
    let not_written: HashSet<&str> = progress.not_written.iter().map(String::as_str).collect();
    assert_eq!(written.len() + not_written.len(), all.len());
    assert_eq!(&written | &not_written, all);
    assert!(on_down.iter().all(|key| not_written.contains(key.as_str())));
    // What the live server holds is exactly what the progress says was written.
    // (A key of the server that is down is on neither.)
    for op in &ops {
        let key = op.key();
        let present = only_live.get(key).await.expect("get").is_some();
        let expected = matches!(op, WriteOp::Put { .. }) && written.contains(key);
        assert_eq!(present, expected, "{key}");
    }
}
