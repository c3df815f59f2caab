//! What is particular to Redis: keys under a prefix (the `Prefix` layer) with glob characters,
//! database numbers, Unix sockets, and batches that span several chunks staying
//! all-or-nothing.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::conformance::{run_id, server_url};
use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Atomicity, Backend, BackendUrl, Entry, WriteOp};
use kivigo_redis::{CHUNK_KEYS, RedisBackend, RedisConfig};
use support::{RedisServer, free_port, redis_server_binary};

/// The shared server, seen under `prefix`.
async fn open_shared(prefix: &str) -> Option<Arc<dyn Backend>> {
    let url = BackendUrl::parse(&server_url("redis")?).expect("KIVIGO_TEST_REDIS_URL");
    let config = RedisConfig::from_url(&url).expect("redis URL");
    let backend = RedisBackend::open(config).await.expect("open");
    Some(
        Prefix::new(prefix)
            .layer(Arc::new(backend))
            .expect("prefix"),
    )
}

fn entries(prefix: &str, count: usize, size: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| (format!("{prefix}{i:06}"), vec![b'x'; size]))
        .collect()
}

fn names(entries: &[Entry]) -> Vec<String> {
    entries.iter().map(|(key, _)| key.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixes_keep_stores_apart_even_with_glob_characters() {
    let base = format!("kivigo-test:{}:prefixes:", run_id());
    // The second prefix would match the first if `*`, `?`, `[`, `]` or `\` were left unescaped.
    let Some(globby) = open_shared(&format!(r"{base}*[?]\:")).await else {
        return;
    };
    let Some(plain) = open_shared(&format!(r"{base}x[?]\:")).await else {
        return;
    };
    globby.set("k1", b"g", None).await.expect("set");
    plain.set("k1", b"p", None).await.expect("set");
    plain.set("k2", b"p", None).await.expect("set");
    assert_eq!(globby.list("").await.expect("list"), ["k1"]);
    assert_eq!(plain.list("k").await.expect("list"), ["k1", "k2"]);
    assert_eq!(globby.get("k1").await.expect("get"), Some(b"g".to_vec()));
    assert_eq!(globby.get("k2").await.expect("get"), None);
    assert_eq!(
        globby
            .batch_delete(&["k1".to_owned(), "k2".to_owned()])
            .await
            .expect("batch_delete"),
        1
    );
    assert_eq!(
        plain
            .batch_delete(&plain.list("").await.expect("list"))
            .await
            .expect("delete"),
        2
    );
    let max = globby.capabilities().max_key_size;
    assert_eq!(
        max.map(|limit| limit + format!(r"{base}*[?]\:").len()),
        Some(kivigo_redis::MAX_BULK_SIZE),
        "the prefix counts against the key limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_larger_than_one_chunk_round_trip() {
    let prefix = format!("kivigo-test:{}:chunks:", run_id());
    let Some(backend) = open_shared(&prefix).await else {
        return;
    };
    let count = CHUNK_KEYS * 2 + 500;
    let mut batch = entries("k", count, 10);
    // A key repeated in the last chunk: the last write wins across chunks too.
    batch.push(("k000000".to_owned(), b"last".to_vec()));
    backend.batch_set(&batch, None).await.expect("batch_set");
    let mut keys = names(&batch);
    keys.push("missing".to_owned());
    let found = backend.batch_get(&keys).await.expect("batch_get");
    assert_eq!(found.len(), count);
    assert_eq!(found.get("k000000"), Some(&b"last".to_vec()));
    assert_eq!(backend.list("").await.expect("list").len(), count);
    assert_eq!(
        backend.batch_delete(&keys).await.expect("batch_delete"),
        count as u64
    );
    assert!(backend.list("").await.expect("list").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_several_chunks_is_all_or_nothing() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    let server = RedisServer::start(&binary, free_port());
    let backend = kivigo_redis::open_url(&server.url(0).parse().expect("url"))
        .await
        .expect("open");
    assert_eq!(backend.capabilities().atomic_batch, Atomicity::Whole);

    // Room for about one and a half chunks of 1 KiB values, then no more: Redis refuses writes
    // once it is over `maxmemory` (the default policy evicts nothing).
    let mut admin = server.admin();
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query(&mut admin)
        .expect("INFO");
    let used: u64 = info
        .lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|value| value.trim().parse().ok())
        .expect("used_memory in INFO");
    let limit = used + (CHUNK_KEYS as u64 * 1024 * 3 / 2);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg(limit)
        .query(&mut admin)
        .expect("CONFIG SET maxmemory");

    let too_big = entries("big", CHUNK_KEYS * 4, 1024);
    let err = backend
        .batch_set(&too_big, None)
        .await
        .expect_err("a batch over maxmemory must fail");
    assert!(!err.is_transient(), "{err:?}");
    let found = backend
        .batch_get(&names(&too_big))
        .await
        .expect("batch_get");
    assert!(
        found.is_empty(),
        "{} keys of a failed batch were written",
        found.len()
    );
    assert!(backend.list("").await.expect("list").is_empty());
    // The same with a TTL (one SET PX per key) and as a batch_write of puts and deletes.
    let err = backend
        .batch_set(&too_big, Some(Duration::from_secs(600)))
        .await
        .expect_err("a batch with a TTL over maxmemory must fail");
    assert!(!err.is_transient(), "{err:?}");
    let mut ops: Vec<WriteOp> = too_big
        .iter()
        .map(|(key, value)| WriteOp::put(key.clone(), value.clone()))
        .collect();
    ops.push(WriteOp::delete("big000000"));
    let err = backend
        .batch_write(&ops)
        .await
        .expect_err("a batch_write over maxmemory must fail");
    assert!(!err.is_transient(), "{err:?}");
    assert!(backend.list("").await.expect("list").is_empty());

    // A batch that fits still goes through: the failure was the memory limit, not the batch.
    let small = entries("small", 10, 1024);
    backend
        .batch_set(&small, None)
        .await
        .expect("small batch_set");
    assert_eq!(backend.list("").await.expect("list").len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_sockets_and_database_numbers() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    let server = RedisServer::start(&binary, free_port());
    let unix = format!("redis+unix://{}?db=3", server.socket().display());
    let over_socket = kivigo_redis::open_url(&unix.parse().expect("url"))
        .await
        .expect("open over the Unix socket");
    over_socket
        .set("k", b"via socket", None)
        .await
        .expect("set");
    over_socket.health().await.expect("health");

    let same_db = kivigo_redis::open_url(&server.url(3).parse().expect("url"))
        .await
        .expect("open db 3");
    assert_eq!(
        same_db.get("k").await.expect("get"),
        Some(b"via socket".to_vec())
    );
    let other_db = kivigo_redis::open_url(&server.url(4).parse().expect("url"))
        .await
        .expect("open db 4");
    assert_eq!(other_db.get("k").await.expect("get"), None);
    assert!(other_db.list("").await.expect("list").is_empty());

    // The key is stored as it is, in database 3.
    let mut admin = server.admin();
    let _: () = redis::cmd("SELECT")
        .arg(3)
        .query(&mut admin)
        .expect("SELECT");
    let raw: Option<Vec<u8>> = redis::cmd("GET").arg("k").query(&mut admin).expect("GET");
    assert_eq!(raw, Some(b"via socket".to_vec()));
}
