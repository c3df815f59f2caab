//! kivigo's Redis backend against the raw redis crate doing the same work on the same server:
//! SET/GET one by one and MSET/MGET in batches, alternating rounds so both see the same load.
//!
//! ```text
//! cargo run --release -p kivigo-redis --example overhead -- [URL] [KEYS] [BATCH] [ROUNDS]
//! ```
//!
//! Defaults: `redis://127.0.0.1:6379/15`, 10,000 keys of 100 bytes, batches of 100, 3 rounds.
//! It writes under its own random prefix and deletes its keys at the end.

use std::time::Instant;

use kivigo_core::{Backend, BackendUrl, Entry};
use kivigo_redis::{RedisBackend, RedisConfig};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/15".to_owned());
    let keys: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    let batch: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let rounds: usize = args.next().map_or(Ok(3), |n| n.parse())?;

    let prefix = format!("kivigo-overhead-{}:", std::process::id());
    let config = RedisConfig {
        prefix: prefix.clone(),
        ..RedisConfig::from_url(&BackendUrl::parse(&url)?)?
    };
    let backend = RedisBackend::open(config).await?;
    let raw_url = url.split('?').next().unwrap_or(&url).to_owned();
    let mut raw = redis::Client::open(raw_url)?
        .get_connection_manager()
        .await?;

    let entries: Vec<Entry> = (0..keys)
        .map(|i| (format!("k{i:07}"), vec![b'v'; 100]))
        .collect();
    let names: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    let stored: Vec<String> = names.iter().map(|k| format!("{prefix}{k}")).collect();

    let mut samples: Vec<[f64; 8]> = Vec::new();
    for _ in 0..rounds {
        let mut row = [0.0; 8];
        let rate = |started: Instant| keys as f64 / started.elapsed().as_secs_f64();

        let started = Instant::now();
        for (key, (_, value)) in stored.iter().zip(&entries) {
            let _: () = redis::cmd("SET")
                .arg(key)
                .arg(value)
                .query_async(&mut raw)
                .await?;
        }
        row[0] = rate(started);
        let started = Instant::now();
        for (key, value) in &entries {
            backend.set(key, value, None).await?;
        }
        row[1] = rate(started);
        let started = Instant::now();
        for key in &stored {
            let _: Option<Vec<u8>> = redis::cmd("GET").arg(key).query_async(&mut raw).await?;
        }
        row[2] = rate(started);
        let started = Instant::now();
        for key in &names {
            backend.get(key).await?;
        }
        row[3] = rate(started);

        let started = Instant::now();
        for (chunk, values) in stored.chunks(batch).zip(entries.chunks(batch)) {
            let mut command = redis::cmd("MSET");
            for (key, (_, value)) in chunk.iter().zip(values) {
                command.arg(key).arg(value);
            }
            let _: () = command.query_async(&mut raw).await?;
        }
        row[4] = rate(started);
        let started = Instant::now();
        for chunk in entries.chunks(batch) {
            backend.batch_set(chunk, None).await?;
        }
        row[5] = rate(started);
        let started = Instant::now();
        for chunk in stored.chunks(batch) {
            let _: Vec<Option<Vec<u8>>> =
                redis::cmd("MGET").arg(chunk).query_async(&mut raw).await?;
        }
        row[6] = rate(started);
        let started = Instant::now();
        for chunk in names.chunks(batch) {
            backend.batch_get(chunk).await?;
        }
        row[7] = rate(started);
        samples.push(row);
    }
    for chunk in names.chunks(1000) {
        backend.batch_delete(chunk).await?;
    }
    backend.close().await?;

    let median = |column: usize| {
        let mut values: Vec<f64> = samples.iter().map(|row| row[column]).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    println!("{keys} keys of 100 bytes, batches of {batch}, median of {rounds} rounds (keys/s)");
    println!(
        "{:<12} {:>10} {:>10} {:>8}",
        "op", "raw", "kivigo", "kivigo/raw"
    );
    let names = ["set", "get", "batch_set", "batch_get"];
    for (index, name) in names.iter().enumerate() {
        let (raw, ours) = (median(index * 2), median(index * 2 + 1));
        println!("{name:<12} {raw:>10.0} {ours:>10.0} {:>9.2}", ours / raw);
    }
    println!(
        "speedup at batch {batch}: raw set {:.1}x get {:.1}x, kivigo set {:.1}x get {:.1}x",
        median(4) / median(0),
        median(6) / median(2),
        median(5) / median(1),
        median(7) / median(3)
    );
    Ok(())
}
