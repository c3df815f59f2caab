//! One-by-one `set` against `batch_set` when every write creates a new key.
//!
//! The workspace's bench example overwrites, in its batch passes, the keys its first pass
//! created. This one writes new keys in both passes, so both measure inserts, in a table of its
//! own (`kivigo_bench_fresh`), dropped at the end.
//!
//! ```text
//! cargo run --release -p kivigo-sql --example fresh_writes -- URL [KEYS] [BATCH]
//! ```

use std::time::Instant;

use kivigo_core::{Backend, Entry};
use kivigo_sql::{SqlBackend, SqlConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: fresh_writes URL [KEYS] [BATCH]")?;
    let keys: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    let batch: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let backend = SqlBackend::open(SqlConfig::new(url).with_table("kivigo_bench_fresh")).await?;
    let value = vec![b'v'; 100];
    let entries = |tag: &str| -> Vec<Entry> {
        (0..keys)
            .map(|i| (format!("{tag}/{i:07}"), value.clone()))
            .collect()
    };

    let singles = entries("single");
    let started = Instant::now();
    for (key, value) in &singles {
        backend.set(key, value, None).await?;
    }
    let single = keys as f64 / started.elapsed().as_secs_f64();

    let batched = entries("batch");
    let started = Instant::now();
    for chunk in batched.chunks(batch) {
        backend.batch_set(chunk, None).await?;
    }
    let batch_rate = keys as f64 / started.elapsed().as_secs_f64();

    println!(
        "{}: {keys} new keys of 100 bytes: set {single:.0} keys/s, batch_set({batch}) \
         {batch_rate:.0} keys/s, speedup {:.1}x",
        backend.engine().name(),
        batch_rate / single
    );
    backend.drop_table().await?;
    backend.close().await?;
    Ok(())
}
