//! kivigo's sled backend against raw sled doing the same work, and streaming memory.
//!
//! Both sides run in the same process and the same run; streaming reports peak memory.
//!
//! ```text
//! cargo run --release -p kivigo-sled --example raw_vs_kivigo -- ops [KEYS] [ROUNDS]
//! cargo run --release -p kivigo-sled --example raw_vs_kivigo -- stream-write DIR KEYS
//! cargo run --release -p kivigo-sled --example raw_vs_kivigo -- stream-keys DIR [CACHE_BYTES]
//! cargo run --release -p kivigo-sled --example raw_vs_kivigo -- stream-list DIR [CACHE_BYTES]
//! cargo run --release -p kivigo-sled --example raw_vs_kivigo -- stream-raw DIR [CACHE_BYTES]
//! ```
//!
//! `ops` writes and reads KEYS keys (default 10,000) of 100 bytes one by one and in batches
//! of 100, with raw sled and with kivigo, alternating which goes first, for ROUNDS rounds
//! (default 5), and prints the median throughput of each and the ratio kivigo / raw (≥ 1:
//! kivigo is as fast). Both databases flush after every write, kivigo's default
//! `flush=always`. Each raw operation produces what kivigo's does: owned value bytes, and
//! for a batch read a map from key to value.
//!
//! The `stream-*` modes run in separate processes so that each reports its own peak resident
//! memory (`VmHWM`): `stream-write` fills a database, `stream-keys` streams every key through
//! `Client::keys("")`, `stream-list` reads them with one `list("")`, and `stream-raw` walks
//! them with raw sled (`Tree::iter`), keeping nothing: what sled itself needs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use kivigo_core::{Backend, Client, Entry};
use kivigo_sled::{SledBackend, SledConfig};

const VALUE_SIZE: usize = 100;
const BATCH: usize = 100;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    match arg(0).unwrap_or("ops") {
        "ops" => {
            let keys = arg(1).map(str::parse).transpose()?.unwrap_or(10_000);
            let rounds = arg(2).map(str::parse).transpose()?.unwrap_or(5);
            ops(keys, rounds).await
        }
        "stream-write" => {
            let dir = arg(1).ok_or("stream-write DIR KEYS")?;
            let keys = arg(2).ok_or("stream-write DIR KEYS")?.parse()?;
            stream_write(dir, keys).await
        }
        mode @ ("stream-keys" | "stream-list" | "stream-raw") => {
            let dir = arg(1).ok_or("stream-keys|stream-list|stream-raw DIR [CACHE_BYTES]")?;
            let cache = arg(2).map(str::parse).transpose()?;
            stream_read(mode, dir, cache).await
        }
        other => Err(format!("unknown mode {other}").into()),
    }
}

/// The operations compared.
const OPS: [&str; 4] = ["set", "get", "batch_set (100)", "batch_get (100)"];

/// Keys per block of each operation: raw and kivigo take turns block by block, so that both
/// see the same moments of a shared machine. Reads take about a microsecond a key, so their
/// blocks are short (one batch of 100) and every round reads the keyspace [`READ_PASSES`]
/// times; writes wait for the disk and are measured over 1,000 keys a block.
const BLOCK: [usize; 4] = [1000, 100, 1000, 100];

/// How many times a round goes over the keyspace, per operation.
const PASSES: [usize; 4] = [1, READ_PASSES, 1, READ_PASSES];
const READ_PASSES: usize = 10;

async fn ops(count: usize, rounds: usize) -> Result<(), Failure> {
    let raw_dir = tempfile::tempdir()?;
    let kivigo_dir = tempfile::tempdir()?;
    // The same sled settings on both sides: no background flush, an explicit flush per write.
    let raw = sled::Config::new()
        .path(raw_dir.path())
        .flush_every_ms(None)
        .open()?;
    let kivigo = SledBackend::open(SledConfig::new(kivigo_dir.path())).await?;
    // Called as `&dyn Backend`, as the facade's `Client` holds it: one boxed future per call.
    let kivigo: &dyn Backend = &kivigo;
    let keys: Vec<String> = (0..count).map(|i| format!("key{i:07}")).collect();
    let entries = with_values(&keys, b'v');
    // Both databases start with every key, so that every round overwrites and finds them.
    raw_batch_set(&raw, &entries)?;
    kivigo_batch_set(kivigo, &entries).await?;

    println!(
        "{count} keys x {VALUE_SIZE} B, {rounds} rounds (reads: {READ_PASSES} passes a round), \
         raw and kivigo alternating block by block, flush after every write"
    );
    println!(
        "{:<16} {:>12} {:>12} {:>11} {:>22}",
        "op", "raw keys/s", "kivigo keys/s", "kivigo/raw", "per-round min – median – max"
    );
    for (op, name) in OPS.iter().enumerate() {
        let mut totals = (Duration::ZERO, Duration::ZERO);
        let mut ratios = Vec::with_capacity(rounds);
        for round in 0..rounds {
            // New bytes every round: sled skips a write whose value did not change, so
            // rewriting the same values would measure no write at all.
            let entries = with_values(&keys, b'a' + (round % 26) as u8);
            let mut times = (Duration::ZERO, Duration::ZERO);
            let blocks = entries.chunks(BLOCK[op]).zip(keys.chunks(BLOCK[op]));
            for (block, (entries, keys)) in blocks
                .cycle()
                .take(PASSES[op] * count.div_ceil(BLOCK[op]))
                .enumerate()
            {
                let raw_first = (block + round) % 2 == 0;
                let mut raw_time = Duration::ZERO;
                if raw_first {
                    raw_time = raw_op(op, &raw, entries, keys)?;
                }
                let kivigo_time = kivigo_op(op, kivigo, entries, keys).await?;
                if !raw_first {
                    raw_time = raw_op(op, &raw, entries, keys)?;
                }
                times.0 += raw_time;
                times.1 += kivigo_time;
            }
            ratios.push(times.0.as_secs_f64() / times.1.as_secs_f64());
            totals.0 += times.0;
            totals.1 += times.1;
        }
        let keys_done = (count * rounds * PASSES[op]) as f64;
        let (low, high) = spread(&ratios);
        ratios.sort_by(f64::total_cmp);
        println!(
            "{name:<16} {:>12.0} {:>12.0} {:>11.2} {:>8.2} – {:.2} – {:.2}",
            keys_done / totals.0.as_secs_f64(),
            keys_done / totals.1.as_secs_f64(),
            totals.0.as_secs_f64() / totals.1.as_secs_f64(),
            low,
            ratios[ratios.len() / 2],
            high
        );
    }
    kivigo.close().await?;
    Ok(())
}

/// Every key with a value of [`VALUE_SIZE`] copies of `byte`.
fn with_values(keys: &[String], byte: u8) -> Vec<Entry> {
    keys.iter()
        .map(|key| (key.clone(), vec![byte; VALUE_SIZE]))
        .collect()
}

/// One block of operation `op` with raw sled, and how long it took.
fn raw_op(
    op: usize,
    db: &sled::Db,
    entries: &[Entry],
    keys: &[String],
) -> Result<Duration, Failure> {
    let started = Instant::now();
    match op {
        0 => {
            for (key, value) in entries {
                db.insert(key.as_bytes(), value.as_slice())?;
                db.flush()?;
            }
        }
        1 => {
            for key in keys {
                let value: Option<Vec<u8>> = db.get(key)?.map(|value| value.to_vec());
                if value.is_none() {
                    return Err(format!("raw lost {key}").into());
                }
            }
        }
        2 => raw_batch_set(db, entries)?,
        _ => {
            for chunk in keys.chunks(BATCH) {
                let mut found = HashMap::with_capacity(chunk.len());
                for key in chunk {
                    if let Some(value) = db.get(key)? {
                        found.insert(key.clone(), value.to_vec());
                    }
                }
                if found.len() != chunk.len() {
                    return Err("raw batch lost keys".into());
                }
            }
        }
    }
    Ok(started.elapsed())
}

/// Batches of [`BATCH`] entries with raw sled: one `apply_batch` and one flush each.
fn raw_batch_set(db: &sled::Db, entries: &[Entry]) -> Result<(), Failure> {
    for chunk in entries.chunks(BATCH) {
        let mut batch = sled::Batch::default();
        for (key, value) in chunk {
            batch.insert(key.as_bytes(), value.as_slice());
        }
        db.apply_batch(batch)?;
        db.flush()?;
    }
    Ok(())
}

/// One block of operation `op` through kivigo, and how long it took.
async fn kivigo_op(
    op: usize,
    store: &dyn Backend,
    entries: &[Entry],
    keys: &[String],
) -> Result<Duration, Failure> {
    let started = Instant::now();
    match op {
        0 => {
            for (key, value) in entries {
                store.set(key, value, None).await?;
            }
        }
        1 => {
            for key in keys {
                if store.get(key).await?.is_none() {
                    return Err(format!("kivigo lost {key}").into());
                }
            }
        }
        2 => kivigo_batch_set(store, entries).await?,
        _ => {
            for chunk in keys.chunks(BATCH) {
                if store.batch_get(chunk).await?.len() != chunk.len() {
                    return Err("kivigo batch lost keys".into());
                }
            }
        }
    }
    Ok(started.elapsed())
}

async fn kivigo_batch_set(store: &dyn Backend, entries: &[Entry]) -> Result<(), Failure> {
    for chunk in entries.chunks(BATCH) {
        store.batch_set(chunk, None).await?;
    }
    Ok(())
}

async fn stream_write(dir: &str, count: usize) -> Result<(), Failure> {
    let store = SledBackend::open(SledConfig::new(dir)).await?;
    let started = Instant::now();
    let mut chunk = Vec::with_capacity(1000);
    for i in 0..count {
        chunk.push((format!("key{i:08}"), vec![b'v'; VALUE_SIZE]));
        if chunk.len() == 1000 || i + 1 == count {
            store.batch_set(&chunk, None).await?;
            chunk.clear();
        }
    }
    store.close().await?;
    println!(
        "wrote {count} keys in {:.1} s; peak RSS {} KiB",
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
    Ok(())
}

async fn stream_read(mode: &str, dir: &str, cache: Option<u64>) -> Result<(), Failure> {
    if mode == "stream-raw" {
        return stream_raw(dir, cache);
    }
    let config = SledConfig {
        cache_capacity: cache,
        ..SledConfig::new(dir)
    };
    let store = Client::new(SledBackend::open(config).await?);
    let opened = peak_rss_kib();
    let started = Instant::now();
    let seen = if mode == "stream-keys" {
        let mut seen = 0_usize;
        let mut keys = store.keys("");
        while let Some(key) = keys.try_next().await? {
            std::hint::black_box(&key);
            seen += 1;
        }
        seen
    } else {
        store.list("").await?.len()
    };
    let elapsed = started.elapsed();
    store.close().await?;
    println!(
        "{mode}: {seen} keys in {:.2} s; peak RSS after open {opened} KiB, at the end {} KiB",
        elapsed.as_secs_f64(),
        peak_rss_kib()
    );
    Ok(())
}

/// The baseline: raw sled walking every key with the same cache, nothing kept.
fn stream_raw(dir: &str, cache: Option<u64>) -> Result<(), Failure> {
    let config = sled::Config::new().path(dir).flush_every_ms(None);
    let db = match cache {
        Some(bytes) => config.cache_capacity(bytes),
        None => config,
    }
    .open()?;
    let opened = peak_rss_kib();
    let started = Instant::now();
    let mut seen = 0_usize;
    for key in db.iter().keys() {
        std::hint::black_box(key?);
        seen += 1;
    }
    println!(
        "stream-raw: {seen} keys in {:.2} s; peak RSS after open {opened} KiB, at the end {} KiB",
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
    Ok(())
}

/// The peak resident set of this process so far (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn spread(values: &[f64]) -> (f64, f64) {
    values.iter().fold((f64::MAX, f64::MIN), |(low, high), v| {
        (low.min(*v), high.max(*v))
    })
}
