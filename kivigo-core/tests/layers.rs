//! Layers forward every call as the same call: a counting store under a stack of layers sees
//! one batch for one batch (and one page for one page), and the conformance suite passes
//! through `Prefix`, through a wrapper that overrides nothing, and through the whole stack.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kivigo_core::layer::{Forward, Layer, Layered, Namespace, Prefix, layered, stack};
use kivigo_core::{
    Backend, Capabilities, Client, Entry, KeyTtl, MemoryBackend, Operation, Result, ScanPage,
    WriteOp, async_trait,
};

/// A memory store that counts the calls it receives, per operation.
#[derive(Debug, Default)]
struct Counting {
    inner: MemoryBackend,
    calls: Mutex<BTreeMap<Operation, usize>>,
}

impl Counting {
    fn count(&self, operation: Operation) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        *calls.entry(operation).or_default() += 1;
    }

    /// The calls received since the last `take`.
    fn take(&self) -> BTreeMap<Operation, usize> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl Forward for Counting {
    fn inner(&self) -> &dyn Backend {
        &self.inner
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.count(Operation::Get);
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        self.count(Operation::Set);
        self.inner.set(key, value, ttl).await
    }
    async fn delete(&self, key: &str) -> Result<bool> {
        self.count(Operation::Delete);
        self.inner.delete(key).await
    }
    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        self.count(Operation::Ttl);
        self.inner.ttl(key).await
    }
    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        self.count(Operation::Expire);
        self.inner.expire(key, ttl).await
    }
    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        self.count(Operation::SetIfAbsent);
        self.inner.set_if_absent(key, value, ttl).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        self.count(Operation::CompareAndSwap);
        self.inner.compare_and_swap(key, expected, new).await
    }
    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        self.count(Operation::Increment);
        self.inner.increment(key, delta).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.count(Operation::List);
        self.inner.list(prefix).await
    }
    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        self.count(Operation::Scan);
        self.inner.scan(prefix, cursor, limit).await
    }
    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        self.count(Operation::BatchGet);
        self.inner.batch_get(keys).await
    }
    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        self.count(Operation::BatchSet);
        self.inner.batch_set(entries, ttl).await
    }
    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        self.count(Operation::BatchDelete);
        self.inner.batch_delete(keys).await
    }
    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        self.count(Operation::BatchWrite);
        self.inner.batch_write(ops).await
    }
    async fn health(&self) -> Result<()> {
        self.count(Operation::Health);
        self.inner.health().await
    }
    async fn close(&self) -> Result<()> {
        self.count(Operation::Close);
        self.inner.close().await
    }
}

/// A wrapper that overrides nothing: everything goes through `Forward`'s default bodies.
#[derive(Debug)]
struct PassThrough(Arc<dyn Backend>);

#[async_trait]
impl Forward for PassThrough {
    fn inner(&self) -> &dyn Backend {
        &*self.0
    }
}

fn pass_through(inner: Arc<dyn Backend>) -> Result<Arc<dyn Backend>> {
    Ok(layered(PassThrough(inner)))
}

fn namespace(inner: Arc<dyn Backend>) -> Result<Arc<dyn Backend>> {
    Ok(layered(Namespace::new(inner, "ns:")?))
}

/// `store` under a namespace, a prefix and a pass-through wrapper (outermost).
fn full_stack(store: Arc<dyn Backend>) -> Arc<dyn Backend> {
    let layers: Vec<Box<dyn Layer>> = vec![
        Box::new(namespace),
        Box::new(Prefix::new("p:")),
        Box::new(pass_through),
    ];
    stack(store, layers).expect("stack")
}

/// A counting store under the full stack: the store (to read its counts) and the top.
fn counted() -> (Arc<Layered<Counting>>, Arc<dyn Backend>) {
    let store = Arc::new(Layered(Counting::default()));
    let top = full_stack(store.clone());
    (store, top)
}

fn one(operation: Operation) -> BTreeMap<Operation, usize> {
    [(operation, 1)].into()
}

fn entries(count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| (format!("k{i:02}"), vec![i as u8]))
        .collect()
}

fn names(count: usize) -> Vec<String> {
    entries(count).into_iter().map(|(key, _)| key).collect()
}

#[tokio::test]
async fn each_batch_reaches_the_store_as_one_batch() {
    let (store, top) = counted();
    top.batch_set(&entries(50), None).await.expect("batch_set");
    assert_eq!(store.take(), one(Operation::BatchSet));
    let ttl = Some(Duration::from_secs(60));
    top.batch_set(&entries(50), ttl)
        .await
        .expect("batch_set with a TTL");
    assert_eq!(store.take(), one(Operation::BatchSet));
    let found = top.batch_get(&names(60)).await.expect("batch_get");
    assert_eq!(found.len(), 50);
    assert_eq!(store.take(), one(Operation::BatchGet));
    let ops: Vec<WriteOp> = (0..40)
        .map(|i| match i % 2 {
            0 => WriteOp::put(format!("w{i}"), b"v".to_vec()),
            _ => WriteOp::delete(format!("k{i:02}")),
        })
        .collect();
    top.batch_write(&ops).await.expect("batch_write");
    assert_eq!(store.take(), one(Operation::BatchWrite));
    let page = top.scan("k", None, 10).await.expect("scan");
    assert_eq!(page.keys.len(), 10);
    assert_eq!(store.take(), one(Operation::Scan));
    assert_eq!(
        top.batch_delete(&names(50)).await.expect("batch_delete"),
        30
    );
    assert_eq!(store.take(), one(Operation::BatchDelete));
}

#[tokio::test]
async fn client_batches_reach_the_store_as_one_batch() {
    let (store, top) = counted();
    let client = Client::from_arc(top);
    let values: Vec<(String, u32)> = (0..30).map(|i| (format!("c{i:02}"), i)).collect();
    client
        .batch_set(values.iter().map(|(k, v)| (k.as_str(), v)))
        .await
        .expect("batch_set");
    assert_eq!(store.take(), one(Operation::BatchSet));
    let keys: Vec<&str> = values.iter().map(|(k, _)| k.as_str()).collect();
    let many: Vec<Option<u32>> = client.get_many(keys.clone()).await.expect("get_many");
    assert!(many.iter().all(Option::is_some));
    assert_eq!(store.take(), one(Operation::BatchGet));
    let exists = client.exists_many(keys.clone()).await.expect("exists_many");
    assert!(exists.iter().all(|e| *e));
    assert_eq!(store.take(), one(Operation::BatchGet));
    let ops = [
        client.put_op("renamed", &1_u32).expect("put_op"),
        WriteOp::delete("c00"),
    ];
    client.batch_write(&ops).await.expect("batch_write");
    assert_eq!(store.take(), one(Operation::BatchWrite));
    assert_eq!(client.batch_delete(keys).await.expect("batch_delete"), 29);
    assert_eq!(store.take(), one(Operation::BatchDelete));
}

#[tokio::test]
async fn streams_read_one_scan_and_one_batch_get_per_page() {
    let (store, top) = counted();
    let keyspace: Vec<Entry> = (0..2_500)
        .map(|i| (format!("s{i:04}"), b"1".to_vec()))
        .collect();
    top.batch_set(&keyspace, None).await.expect("batch_set");
    store.take();
    let client = Client::from_arc(top);
    let streamed: Vec<(String, u32)> = futures::TryStreamExt::try_collect(client.entries("s"))
        .await
        .expect("entries");
    assert_eq!(streamed.len(), 2_500);
    // Pages of 1,000 keys: three scans, one batch read each, no single-key read.
    let pages = 2_500_usize.div_ceil(kivigo_core::DEFAULT_PAGE_SIZE);
    let expected: BTreeMap<Operation, usize> =
        [(Operation::Scan, pages), (Operation::BatchGet, pages)].into();
    assert_eq!(store.take(), expected);
}

#[tokio::test]
async fn each_single_key_call_reaches_the_store_once() {
    let (store, top) = counted();
    let calls: [(Operation, _); 8] = [
        (Operation::Set, top.set("a", b"1", None).await.map(drop)),
        (Operation::Get, top.get("a").await.map(drop)),
        (Operation::Ttl, top.ttl("a").await.map(drop)),
        (Operation::Expire, top.expire("a", None).await.map(drop)),
        (
            Operation::SetIfAbsent,
            top.set_if_absent("b", b"1", None).await.map(drop),
        ),
        (
            Operation::CompareAndSwap,
            top.compare_and_swap("b", Some(b"1"), Some(b"2"))
                .await
                .map(drop),
        ),
        (Operation::Increment, top.increment("a", 1).await.map(drop)),
        (Operation::Delete, top.delete("a").await.map(drop)),
    ];
    let mut expected = BTreeMap::new();
    for (operation, outcome) in calls {
        outcome.unwrap_or_else(|err| panic!("{operation}: {err}"));
        *expected.entry(operation).or_default() += 1;
    }
    assert_eq!(store.take(), expected);
}

/// A prefix longer than the 64 characters errors show of a key: the caller still gets its own
/// key back, not the stored one cut short.
#[tokio::test]
async fn errors_name_the_caller_s_key_under_a_long_prefix() {
    let store: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
    let prefix = format!("tenant/{}/", "x".repeat(70));
    let top = Prefix::new(&prefix).layer(store.clone()).expect("prefix");
    top.set("bad", b"abc", None).await.expect("set");
    match top.increment("bad", 1).await {
        Err(kivigo_core::Error::NotANumber { key }) => assert_eq!(key, "bad"),
        other => panic!("expected NotANumber for \"bad\", got {other:?}"),
    }
    top.set("max", i64::MAX.to_string().as_bytes(), None)
        .await
        .expect("set");
    match top.increment("max", 1).await {
        Err(kivigo_core::Error::Overflow { key, .. }) => assert_eq!(key, "max"),
        other => panic!("expected Overflow for \"max\", got {other:?}"),
    }
    assert_eq!(
        store.get(&format!("{prefix}bad")).await.expect("get"),
        Some(b"abc".to_vec())
    );
}

mod suite {
    //! The conformance suite through each layer on its own, and through the whole stack.

    use super::*;
    use kivigo_core::conformance::Harness;

    /// A fresh store holding keys of other prefixes, which the layer must hide.
    async fn shared() -> Arc<dyn Backend> {
        let shared: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
        for neighbour in ["other:k", "app;", "ns;", "ns:p;", "ns:other"] {
            shared
                .set(neighbour, b"x", None)
                .await
                .expect("neighbour key");
        }
        shared
    }

    struct Prefixed;

    #[async_trait]
    impl Harness for Prefixed {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            Some(Prefix::new("app:").layer(shared().await).expect("prefix"))
        }
    }

    struct Passed;

    #[async_trait]
    impl Harness for Passed {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            Some(pass_through(Arc::new(MemoryBackend::new())).expect("wrap"))
        }
    }

    struct Stacked;

    #[async_trait]
    impl Harness for Stacked {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            Some(full_stack(shared().await))
        }
    }

    mod prefix {
        use super::*;
        kivigo_core::conformance_tests!(Prefixed);
    }

    mod pass_through {
        use super::*;
        kivigo_core::conformance_tests!(Passed);
    }

    mod full_stack {
        use super::*;
        kivigo_core::conformance_tests!(Stacked);
    }
}
