//! kivigo's memcached backend against the raw `memcache` driver doing the same work, in the same
//! run: one-by-one sets and batches of 100, several rounds, medians printed.
//!
//! ```text
//! cargo run --release -p kivigo-memcached --example driver_overhead -- memcached://127.0.0.1:11211
//! ```
//!
//! Both write the same keys (the raw driver puts kivigo's prefix in front by hand), which are
//! deleted at the end.

use std::time::Instant;

use kivigo_core::{Backend, BackendUrl, Entry};
use kivigo_memcached::{MemcachedBackend, MemcachedConfig};
use memcache::exp::{AsyncMetaClient, Set};

const KEYS: usize = 10_000;
const BATCH: usize = 100;
const ROUNDS: usize = 7;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "memcached://127.0.0.1:11211".to_owned());
    let prefix = format!("kivigo-overhead-{:08x}/", std::process::id());
    let config = MemcachedConfig::from_url(&BackendUrl::parse(&url)?)?.with_prefix(&prefix);
    let raw = AsyncMetaClient::connect_multiple(config.servers.clone()).await?;
    let kivigo = MemcachedBackend::open(config).await?;

    let entries: Vec<Entry> = (0..KEYS)
        .map(|i| (format!("{i:07}"), vec![b'v'; 100]))
        .collect();
    let wire: Vec<(String, &[u8])> = entries
        .iter()
        .map(|(key, value)| (format!("{prefix}{key}"), value.as_slice()))
        .collect();

    // keys/s of: raw single, kivigo single, raw batch, kivigo batch.
    let mut rounds: Vec<[f64; 4]> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for (key, value) in &wire {
            raw.set(key.as_str(), value).send().await?;
        }
        let raw_single = rate(started);

        let started = Instant::now();
        for (key, value) in &entries {
            kivigo.set(key, value, None).await?;
        }
        let kivigo_single = rate(started);

        let started = Instant::now();
        for chunk in wire.chunks(BATCH) {
            let answers = raw
                .run_many(chunk.iter().map(|(k, v)| Set::new(k, v)))
                .await?;
            if let Some(Err(err)) = answers.into_iter().find(Result::is_err) {
                return Err(err.into());
            }
        }
        let raw_batch = rate(started);

        let started = Instant::now();
        for chunk in entries.chunks(BATCH) {
            kivigo.batch_set(chunk, None).await?;
        }
        let kivigo_batch = rate(started);
        rounds.push([raw_single, kivigo_single, raw_batch, kivigo_batch]);
    }

    let names: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    kivigo.batch_delete(&names).await?;
    kivigo.close().await?;

    let [raw_single, kivigo_single, raw_batch, kivigo_batch] =
        [0, 1, 2, 3].map(|column| median(rounds.iter().map(|r| r[column]).collect()));
    println!("medians of {ROUNDS} rounds, {KEYS} keys of 100 bytes, batches of {BATCH}:");
    println!(
        "{:<8} {:>12} {:>12} {:>9}",
        "", "set keys/s", "batch keys/s", "speedup"
    );
    for (who, single, batch) in [
        ("raw", raw_single, raw_batch),
        ("kivigo", kivigo_single, kivigo_batch),
    ] {
        println!(
            "{who:<8} {single:>12.0} {batch:>12.0} {:>8.1}x",
            batch / single
        );
    }
    println!(
        "kivigo / raw: single {:.2}, batch {:.2}",
        kivigo_single / raw_single,
        kivigo_batch / raw_batch
    );
    Ok(())
}

fn rate(started: Instant) -> f64 {
    KEYS as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
