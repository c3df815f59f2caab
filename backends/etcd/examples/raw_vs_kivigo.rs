//! kivigo's overhead over the raw etcd-client driver, measured in the same run: the same puts,
//! one by one and as Txns of 100 (or the size given), interleaved over several rounds.
//!
//! ```text
//! cargo run --release -p kivigo-etcd --example raw_vs_kivigo -- [127.0.0.1:2379] [rounds] [batch]
//! ```
//!
//! It writes under `kivigo-rawcmp-*` prefixes and deletes them at the end.

use std::time::{Duration, Instant};

use etcd_client::{Client, DeleteOptions, Txn, TxnOp};
use kivigo_core::{Backend, Entry};
use kivigo_etcd::{EtcdBackend, EtcdConfig};

const BATCHES: usize = 20;
const SINGLES: usize = 200;
const VALUE: [u8; 100] = [b'v'; 100];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let endpoint = args.next().unwrap_or_else(|| "127.0.0.1:2379".to_owned());
    let rounds: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let batch: usize = args.next().map_or(Ok(100), |b| b.parse())?;
    let run = format!("{:08x}", std::process::id());
    let raw_prefix = format!("kivigo-rawcmp-{run}/raw/");
    let store = EtcdBackend::open(
        EtcdConfig::new([endpoint.as_str()]).with_prefix(format!("kivigo-rawcmp-{run}/kivigo/")),
    )
    .await?;
    let mut raw = Client::connect([endpoint.as_str()], None).await?;

    println!("Txns of {batch} puts against one-by-one puts, per Txn and per put");
    println!("round     txn raw    txn kivigo  put raw  put kivigo  speedup raw  speedup kivigo");
    for round in 0..rounds {
        let started = Instant::now();
        for b in 0..BATCHES {
            let ops: Vec<TxnOp> = (0..batch)
                .map(|i| TxnOp::put(format!("{raw_prefix}{b}/{i:03}"), VALUE, None))
                .collect();
            raw.txn(Txn::new().and_then(ops)).await?;
        }
        let raw_txn = started.elapsed() / BATCHES as u32;

        let started = Instant::now();
        for b in 0..BATCHES {
            let entries: Vec<Entry> = (0..batch)
                .map(|i| (format!("{b}/{i:03}"), VALUE.to_vec()))
                .collect();
            store.batch_set(&entries, None).await?;
        }
        let kivigo_txn = started.elapsed() / BATCHES as u32;

        let started = Instant::now();
        for i in 0..SINGLES {
            raw.put(format!("{raw_prefix}s/{i}"), VALUE, None).await?;
        }
        let raw_put = started.elapsed() / SINGLES as u32;

        let started = Instant::now();
        for i in 0..SINGLES {
            store.set(&format!("s/{i}"), &VALUE, None).await?;
        }
        let kivigo_put = started.elapsed() / SINGLES as u32;

        let speedup = |put: Duration, txn: Duration| {
            put.as_secs_f64() * batch as f64 / txn.as_secs_f64().max(f64::EPSILON)
        };
        println!(
            "{round:>5}  {raw_txn:>10.2?}  {kivigo_txn:>12.2?}  {raw_put:>7.2?}  {kivigo_put:>10.2?}  \
             {:>10.1}x  {:>13.1}x",
            speedup(raw_put, raw_txn),
            speedup(kivigo_put, kivigo_txn)
        );
    }
    raw.delete(
        format!("kivigo-rawcmp-{run}/"),
        Some(DeleteOptions::new().with_prefix()),
    )
    .await?;
    store.close().await?;
    Ok(())
}
