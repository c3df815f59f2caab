//! A server restarted on a large append-only file answers `LOADING` until its data is back in
//! memory. Batches of several chunks go as one MULTI/EXEC, whose queued commands are then all
//! refused: the error must be transient, as it is for a single command, and the same backend
//! must work once loading ends, with nothing lost.

mod support;

use std::time::{Duration, Instant};

use kivigo_core::conformance::process::{HANG_GUARD, within_guard};
use kivigo_core::{Backend, Entry, Result, WriteOp};
use kivigo_redis::{CHUNK_KEYS, RedisBackend, RedisConfig};
use support::{RedisServer, free_port, info_field, redis_server_binary};

/// Keys `DEBUG POPULATE` writes. Loading them from an AOF of commands (no RDB preamble) takes
/// a second or more on the 2-core test machine: long enough to catch the window every time.
const POPULATE: usize = 250_000;

/// Keys per batch: two chunks, so one MULTI/EXEC.
const BATCH: usize = 2 * CHUNK_KEYS;

/// The batch operations, each of which must fail transiently while the server loads.
const OPS: [&str; 6] = [
    "batch_get",
    "batch_set",
    "batch_set with a TTL",
    "batch_delete",
    "batch_write",
    "get",
];

/// Whether the server on `port` is loading its data (`loading:1` in `INFO persistence`).
fn loading(port: u16) -> bool {
    info_field(port, "persistence", "loading").as_deref() == Some("1")
}

/// Waits (bounded) until `INFO persistence` says `field:0`.
fn wait_for_zero(port: u16, field: &str) {
    let started = Instant::now();
    while info_field(port, "persistence", field).as_deref() != Some("0") {
        assert!(started.elapsed() < HANG_GUARD, "{field} stayed on");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs operation `op` of [`OPS`] on 2,000 keys (round `round` writes keys of its own).
async fn run(backend: &RedisBackend, op: usize, round: usize) -> Result<()> {
    let populated: Vec<String> = (0..BATCH).map(|i| format!("key:{i}")).collect();
    let fresh: Vec<Entry> = (0..BATCH)
        .map(|i| (format!("new:{round}:{i}"), b"v".to_vec()))
        .collect();
    let outcome = async {
        match op {
            0 => {
                let found = backend.batch_get(&populated).await?;
                assert_eq!(found.len(), BATCH, "batch_get lost keys");
            }
            1 => backend.batch_set(&fresh, None).await?,
            2 => {
                let ttl = Some(Duration::from_secs(600));
                backend.batch_set(&fresh, ttl).await?;
            }
            3 => {
                let keys: Vec<String> = fresh.iter().map(|(key, _)| key.clone()).collect();
                backend.batch_delete(&keys).await?;
            }
            4 => {
                let ops: Vec<WriteOp> = fresh
                    .iter()
                    .enumerate()
                    .map(|(i, (key, value))| match i % 2 {
                        0 => WriteOp::put(key.clone(), value.clone()),
                        _ => WriteOp::delete(key.clone()),
                    })
                    .collect();
                backend.batch_write(&ops).await?;
            }
            _ => {
                let value = backend.get("key:0").await?;
                assert!(value.is_some(), "key:0 was lost");
            }
        }
        Ok(())
    };
    within_guard(OPS[op], outcome).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_while_the_server_loads_are_transient_then_succeed() {
    let Some(binary) = redis_server_binary() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let persistent = [
        "--appendonly",
        "yes",
        "--aof-use-rdb-preamble",
        "no",
        "--enable-debug-command",
        "local",
        "--dir",
    ];
    let mut extra: Vec<String> = persistent.iter().map(|arg| (*arg).to_owned()).collect();
    extra.push(dir.path().display().to_string());
    let mut server = RedisServer::start_with(&binary, free_port(), extra);
    let port = server.port();

    // A data set in the append-only file: DEBUG POPULATE is not logged, a rewrite writes it.
    let mut admin = server.admin();
    let _: () = redis::cmd("DEBUG")
        .arg("POPULATE")
        .arg(POPULATE)
        .query(&mut admin)
        .expect("DEBUG POPULATE");
    let _: String = redis::cmd("BGREWRITEAOF")
        .query(&mut admin)
        .expect("BGREWRITEAOF");
    wait_for_zero(port, "aof_rewrite_scheduled");
    wait_for_zero(port, "aof_rewrite_in_progress");
    assert_eq!(
        info_field(port, "persistence", "aof_last_bgrewrite_status").as_deref(),
        Some("ok")
    );
    drop(admin);

    let config = RedisConfig {
        connect_timeout: Duration::from_secs(2),
        response_timeout: Duration::from_secs(5),
        ..RedisConfig::tcp("127.0.0.1", port)
    };
    let backend = RedisBackend::open(config).await.expect("open");
    for op in 0..OPS.len() {
        run(&backend, op, 0).await.expect("before the restart");
    }

    // A crash, and a restart that loads the whole file before it serves commands.
    server.stop();
    server.restart_loading();
    let mut refused_while_loading = [0_usize; OPS.len()];
    let mut round = 1;
    loop {
        let loading_before = loading(port);
        let mut all_ok = true;
        for (op, refused) in refused_while_loading.iter_mut().enumerate() {
            let outcome = run(&backend, op, round).await;
            let loading_after = loading(port);
            match outcome {
                Err(err) => {
                    all_ok = false;
                    assert!(err.is_transient(), "{} during loading: {err}", OPS[op]);
                    let refused_for_loading = err.to_string().contains("loading");
                    if loading_before && loading_after && refused_for_loading {
                        *refused += 1;
                    }
                }
                // LOADING refuses every command until the data set is in: a success means it
                // was over by then.
                Ok(()) => assert!(!loading_after, "{} succeeded while loading", OPS[op]),
            }
        }
        if all_ok && !loading_before {
            break;
        }
        round += 1;
        assert!(round < 100_000, "the server never finished loading");
    }
    for (op, refused) in refused_while_loading.iter().enumerate() {
        assert!(
            *refused > 0,
            "{} was never refused with LOADING: loading ended before it was tried (raise \
             POPULATE)",
            OPS[op]
        );
    }
    // The same backend, and the whole data set survived the crash.
    let mut admin = server.admin();
    let size: usize = redis::cmd("DBSIZE").query(&mut admin).expect("DBSIZE");
    assert!(size >= POPULATE, "{size} keys after the restart");
}
