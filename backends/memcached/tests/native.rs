//! What the backend sends memcached, checked with the raw driver on the shared test server: the
//! exptime of every write with a TTL (whole seconds rounded up, one tick more, Unix times past 30
//! days), TTLs memcached cannot hold refused before any I/O, and counters that keep kivigo's
//! signed decimal text where memcached's own arithmetic would not.

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::conformance::{run_id, server_url};
use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, BackendUrl, Error, KeyTtl, Operation, WriteOp};
use kivigo_memcached::open_url;
use memcache::exp::{AsyncMetaClient, Get, Meta};

const DAY: u64 = 24 * 60 * 60;

/// The backend under a prefix of this test's own, and a raw client to look at what it stored.
struct Store {
    backend: Arc<dyn Backend>,
    raw: AsyncMetaClient,
    prefix: String,
}

impl Store {
    async fn open(name: &str) -> Option<Self> {
        let url = server_url("memcached")?;
        let backend = open_url(&BackendUrl::parse(&url).expect("URL"))
            .await
            .expect("open");
        let prefix = format!("kivigo-native/{}/{name}/", run_id());
        let backend = Prefix::new(&prefix)
            .layer(Arc::new(backend))
            .expect("prefix");
        let server = url.trim_start_matches("memcached://").to_owned();
        let raw = AsyncMetaClient::connect(server.as_str())
            .await
            .expect("raw client");
        Some(Self {
            backend,
            raw,
            prefix,
        })
    }

    /// The remaining seconds memcached reports for `key` (-1: never expires).
    async fn exptime_left(&self, key: &str) -> i64 {
        let read = Get::new(format!("{}{key}", self.prefix))
            .without_value()
            .meta(Meta::NONE.ttl());
        let result = self.raw.run(read).await.expect("raw mg");
        assert!(result.hit(), "{key} is missing");
        result.item.ttl.expect("a remaining time")
    }

    /// The stored bytes of `key`, as memcached holds them.
    async fn stored(&self, key: &str) -> Option<Vec<u8>> {
        let read = Get::new(format!("{}{key}", self.prefix));
        self.raw.run(read).await.expect("raw mg").value
    }

    async fn remove(&self, keys: &[&str]) {
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        self.backend.batch_delete(&keys).await.expect("cleanup");
    }
}

/// Panics unless `ttl` is a remaining time within `range` (in seconds).
#[track_caller]
fn assert_left(ttl: KeyTtl, range: std::ops::RangeInclusive<u64>, what: &str) {
    let left = ttl.remaining().unwrap_or_else(|| panic!("{what}: {ttl:?}"));
    assert!(
        range.contains(&left.as_secs()) && left.subsec_nanos() == 0,
        "{what}: {left:?} left, expected {range:?} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_ttls_are_whole_seconds_rounded_up_plus_one_tick() {
    let Some(store) = Store::open("short").await else {
        return;
    };
    let backend = &store.backend;
    // 1.5 s is kept as 2 s: memcached is sent 3, of which it may already have ticked one.
    backend
        .set("half", b"v", Some(Duration::from_millis(1500)))
        .await
        .expect("set");
    let left = store.exptime_left("half").await;
    assert!((2..=3).contains(&left), "exptime {left}");
    assert_left(backend.ttl("half").await.expect("ttl"), 1..=2, "1.5 s");
    let hour = Some(Duration::from_secs(3600));
    backend.set("hour", b"v", hour).await.expect("set");
    let left = store.exptime_left("hour").await;
    assert!((3599..=3601).contains(&left), "exptime {left}");
    assert_left(backend.ttl("hour").await.expect("ttl"), 3598..=3600, "1 h");
    // The last TTL a relative exptime carries, and the first that needs a Unix time.
    let last = Duration::from_secs(30 * DAY - 1);
    backend.set("last", b"v", Some(last)).await.expect("set");
    let left = store.exptime_left("last").await;
    assert!((30 * DAY - 1..=30 * DAY).contains(&(left as u64)), "{left}");
    assert_left(
        backend.ttl("last").await.expect("ttl"),
        30 * DAY - 3..=30 * DAY - 1,
        "30 days - 1 s",
    );
    store.remove(&["half", "hour", "last"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttls_over_30_days_are_unix_times_on_the_server_s_clock() {
    let Some(store) = Store::open("long").await else {
        return;
    };
    let backend = &store.backend;
    let forty = Duration::from_secs(40 * DAY);
    backend.set("set", b"7", Some(forty)).await.expect("set");
    backend
        .batch_set(&[("batch".to_owned(), b"7".to_vec())], Some(forty))
        .await
        .expect("batch_set");
    backend
        .batch_write(&[WriteOp::put_with_ttl("write", b"7".to_vec(), forty)])
        .await
        .expect("batch_write");
    assert!(
        backend
            .set_if_absent("added", b"7", Some(forty))
            .await
            .expect("set_if_absent")
    );
    backend.set("expired", b"7", None).await.expect("set");
    assert!(
        backend
            .expire("expired", Some(forty))
            .await
            .expect("expire")
    );
    let thirty = Duration::from_secs(30 * DAY);
    backend
        .set("thirty", b"7", Some(thirty))
        .await
        .expect("set");
    for key in ["set", "batch", "write", "added", "expired"] {
        // Read as a duration of 40 days (not 1970), within our clock estimate's margins.
        let left = store.exptime_left(key).await as u64;
        assert!(
            (40 * DAY - 2..=40 * DAY + 3).contains(&left),
            "{key}: exptime {left}"
        );
        assert_left(
            backend.ttl(key).await.expect("ttl"),
            40 * DAY - 4..=40 * DAY,
            key,
        );
    }
    assert_left(
        backend.ttl("thirty").await.expect("ttl"),
        30 * DAY - 4..=30 * DAY,
        "30 days",
    );
    // An increment that rewrites the value keeps the expiry, never later.
    assert_eq!(backend.increment("set", -10).await.expect("increment"), -3);
    assert_left(
        backend.ttl("set").await.expect("ttl"),
        40 * DAY - 6..=40 * DAY,
        "after a rewrite",
    );
    store
        .remove(&["set", "batch", "write", "added", "expired", "thirty"])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttls_past_memcached_s_last_exptime_are_refused_before_io() {
    let Some(store) = Store::open("max").await else {
        return;
    };
    let backend = &store.backend;
    let max = backend
        .capabilities()
        .ttl
        .and_then(|ttl| ttl.max)
        .expect("a maximum TTL");
    // 2038-01-19 is a little over 11 years away at the time of writing.
    assert!(max > Duration::from_secs(365 * DAY), "{max:?}");
    let beyond = max + Duration::from_secs(10);
    let over = Some(beyond);
    let invalid = |operation| move |result: kivigo_core::Result<()>| matches!(result, Err(Error::InvalidArgument { operation: op, .. }) if op == operation);
    assert!(invalid(Operation::Set)(backend.set("k", b"v", over).await));
    let entries = vec![("k".to_owned(), b"v".to_vec())];
    assert!(invalid(Operation::BatchSet)(
        backend.batch_set(&entries, over).await
    ));
    assert!(invalid(Operation::SetIfAbsent)(
        backend.set_if_absent("k", b"v", over).await.map(drop)
    ));
    let ops = [WriteOp::put_with_ttl("k", b"v".to_vec(), beyond)];
    assert!(invalid(Operation::BatchWrite)(
        backend.batch_write(&ops).await
    ));
    assert_eq!(backend.get("k").await.expect("get"), None, "written");
    // The maximum itself holds.
    backend
        .set("k", b"v", Some(max))
        .await
        .expect("set at the maximum");
    let left = backend
        .ttl("k")
        .await
        .expect("ttl")
        .remaining()
        .expect("expires");
    assert!(
        left <= max && left + Duration::from_secs(10) > max,
        "{left:?}"
    );
    store.remove(&["k"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expire_touches_the_exptime_only() {
    let Some(store) = Store::open("touch").await else {
        return;
    };
    let backend = &store.backend;
    backend.set("k", b"v", None).await.expect("set");
    assert!(backend.expire("k", None).await.expect("persist"));
    assert_eq!(store.exptime_left("k").await, -1);
    assert!(
        backend
            .expire("k", Some(Duration::from_secs(60)))
            .await
            .expect("expire")
    );
    let left = store.exptime_left("k").await;
    assert!((60..=61).contains(&left), "{left}");
    assert!(backend.expire("k", None).await.expect("persist"));
    assert_eq!(store.exptime_left("k").await, -1);
    assert_eq!(store.stored("k").await, Some(b"v".to_vec()), "value kept");
    store.remove(&["k"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_are_signed_and_keep_their_exact_text() {
    let Some(store) = Store::open("counters").await else {
        return;
    };
    let backend = &store.backend;
    // memcached's decr would store "9 " (padded in place) and stop at 0.
    backend.set("ten", b"10", None).await.expect("set");
    assert_eq!(backend.increment("ten", -1).await.expect("increment"), 9);
    assert_eq!(store.stored("ten").await, Some(b"9".to_vec()));
    assert_eq!(backend.increment("ten", 1).await.expect("increment"), 10);
    assert_eq!(store.stored("ten").await, Some(b"10".to_vec()));
    assert_eq!(backend.increment("ten", -15).await.expect("increment"), -5);
    assert_eq!(backend.increment("ten", -5).await.expect("increment"), -10);
    assert_eq!(store.stored("ten").await, Some(b"-10".to_vec()));
    assert_eq!(backend.increment("ten", 11).await.expect("increment"), 1);
    assert_eq!(store.stored("ten").await, Some(b"1".to_vec()));
    assert_eq!(backend.increment("fresh", -3).await.expect("increment"), -3);
    assert_eq!(
        backend.increment("big", i64::MAX).await.expect("increment"),
        i64::MAX
    );
    // Values memcached's incr takes as numbers but kivigo's counters are not: refused, unchanged.
    let bad: [&[u8]; 7] = [
        b"007",
        b" 1",
        b"1 ",
        b"+1",
        b"-0",
        b"18446744073709551615",
        b"1\r",
    ];
    for (i, value) in bad.iter().enumerate() {
        let key = format!("bad{i}");
        backend.set(&key, value, None).await.expect("set");
        assert!(
            matches!(
                backend.increment(&key, 1).await,
                Err(Error::NotANumber { .. })
            ),
            "{value:?}"
        );
        assert_eq!(store.stored(&key).await.as_deref(), Some(*value), "changed");
    }
    let mut keys = vec!["ten", "fresh", "big"];
    let names: Vec<String> = (0..bad.len()).map(|i| format!("bad{i}")).collect();
    keys.extend(names.iter().map(String::as_str));
    store.remove(&keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn increment_keeps_the_exptime() {
    let Some(store) = Store::open("counter-ttl").await else {
        return;
    };
    let backend = &store.backend;
    backend
        .set("n", b"5", Some(Duration::from_secs(3600)))
        .await
        .expect("set");
    let before = store.exptime_left("n").await;
    // memcached's own arithmetic: the exptime is untouched.
    assert_eq!(backend.increment("n", 2).await.expect("increment"), 7);
    let after = store.exptime_left("n").await;
    assert!(
        after <= before && after + 1 >= before,
        "{before} -> {after}"
    );
    // A rewrite with the remaining time: within a tick of memcached's clock, never more.
    assert_eq!(backend.increment("n", -10).await.expect("increment"), -3);
    let rewritten = store.exptime_left("n").await;
    assert!(
        rewritten <= after + 1 && rewritten + 1 >= after,
        "{after} -> {rewritten}"
    );
    assert_left(
        backend.ttl("n").await.expect("ttl"),
        3598..=3600,
        "after both",
    );
    backend.set("p", b"1", None).await.expect("set");
    backend.increment("p", 1).await.expect("increment");
    backend.increment("p", -5).await.expect("increment");
    assert_eq!(
        store.exptime_left("p").await,
        -1,
        "a persistent counter stays so"
    );
    store.remove(&["n", "p"]).await;
}
