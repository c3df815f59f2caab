//! Batch speed against one-by-one, measured in the same run on any kivigo store.
//!
//! ```text
//! cargo run --release --example bench -- --url redis://127.0.0.1:6379/15
//! cargo run --release --example bench -- --keys 10000 --value-size 100 --batch-sizes 1,10,100,1000 --json
//! ```
//!
//! It writes keys under its own random prefix and deletes them at the end.

use std::time::{Duration, Instant};

use clap::Parser;
use kivigo::{Client, Entry};

#[derive(Parser)]
#[command(about = "Measures one-by-one and batch set/get throughput of a kivigo store")]
struct Args {
    /// Store URL; by default a sled database in a temporary directory.
    #[arg(long)]
    url: Option<String>,
    /// How many keys to write and read.
    #[arg(long, default_value_t = 10_000)]
    keys: usize,
    /// Size of each value in bytes.
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Batch sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10,100,1000")]
    batch_sizes: Vec<usize>,
    /// Print one JSON object per row instead of a table.
    #[arg(long)]
    json: bool,
}

/// One measured operation.
struct Row {
    op: &'static str,
    batch_size: usize,
    keys_per_sec: f64,
    speedup: f64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.keys == 0 || args.batch_sizes.contains(&0) {
        return Err("--keys and every batch size must be at least 1".into());
    }
    let temporary = tempfile::tempdir()?;
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| format!("sled://{}", temporary.path().display()));
    let store = kivigo::open(&url).await?;
    let backend = store.capabilities().name;
    let prefix = format!("kivigo-bench-{:08x}/", rand::random::<u32>());
    let entries: Vec<Entry> = (0..args.keys)
        .map(|i| (format!("{prefix}{i:07}"), vec![b'v'; args.value_size]))
        .collect();
    let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();

    let outcome = measure(&store, &entries, &keys, &args.batch_sizes).await;
    for chunk in keys.chunks(1000) {
        store.batch_delete(chunk.iter().cloned()).await?;
    }
    store.close().await?;
    let rows = outcome?;

    if args.json {
        for row in &rows {
            println!(
                "{}",
                serde_json::json!({
                    "backend": backend,
                    "op": row.op,
                    "batch_size": row.batch_size,
                    "keys": args.keys,
                    "value_size": args.value_size,
                    "keys_per_sec": row.keys_per_sec.round(),
                    "speedup": (row.speedup * 100.0).round() / 100.0,
                })
            );
        }
    } else {
        println!(
            "{backend}: {} keys of {} bytes ({})",
            args.keys,
            args.value_size,
            kivigo::BackendUrl::parse(&url)?
        );
        println!(
            "{:<10} {:>6} {:>12} {:>9}",
            "op", "batch", "keys/s", "speedup"
        );
        for row in &rows {
            println!(
                "{:<10} {:>6} {:>12.0} {:>8.1}x",
                row.op, row.batch_size, row.keys_per_sec, row.speedup
            );
        }
    }
    Ok(())
}

async fn measure(
    store: &Client,
    entries: &[Entry],
    keys: &[String],
    batch_sizes: &[usize],
) -> kivigo::Result<Vec<Row>> {
    let count = entries.len() as f64;
    let rate = |elapsed: Duration| count / elapsed.as_secs_f64().max(f64::EPSILON);

    let started = Instant::now();
    for (key, value) in entries {
        store.set_raw(key, value, None).await?;
    }
    let single_set = rate(started.elapsed());

    let started = Instant::now();
    for key in keys {
        if store.get_raw(key).await?.is_none() {
            return Err(kivigo::Error::config(format!("bench key {key} vanished")));
        }
    }
    let single_get = rate(started.elapsed());

    let mut rows = vec![
        Row {
            op: "set",
            batch_size: 1,
            keys_per_sec: single_set,
            speedup: 1.0,
        },
        Row {
            op: "get",
            batch_size: 1,
            keys_per_sec: single_get,
            speedup: 1.0,
        },
    ];
    for &size in batch_sizes {
        let started = Instant::now();
        for chunk in entries.chunks(size) {
            store.batch_set_raw(chunk, None).await?;
        }
        let set = rate(started.elapsed());

        let started = Instant::now();
        for chunk in keys.chunks(size) {
            let found = store.batch_get_raw(chunk.iter().cloned()).await?;
            if found.len() != chunk.len() {
                return Err(kivigo::Error::config("batch_get lost bench keys"));
            }
        }
        let get = rate(started.elapsed());

        rows.push(Row {
            op: "batch_set",
            batch_size: size,
            keys_per_sec: set,
            speedup: set / single_set,
        });
        rows.push(Row {
            op: "batch_get",
            batch_size: size,
            keys_per_sec: get,
            speedup: get / single_get,
        });
    }
    Ok(rows)
}
