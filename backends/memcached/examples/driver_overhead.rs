//! kivigo's memcached backend against the raw `memcache` driver doing the same work, in the same
//! run: sets (plain and with a TTL), batches of 100 (plain, with a TTL, and mixed puts and
//! deletes), set-if-absent, compare-and-swap rounds and increments; several rounds, medians
//! printed with the spread.
//!
//! ```text
//! cargo run --release -p kivigo-memcached --example driver_overhead -- memcached://127.0.0.1:11211
//! ```
//!
//! kivigo runs as users run it, under a `Prefix` layer (the URL's `?prefix=`); the raw driver
//! puts the same prefix in front of the keys by hand and does what kivigo does with its best
//! technique: one `ms` (with `T` for a TTL), one pipelined `run_many` per batch, `ms` in add mode,
//! a compare-and-swap as `mg` with the CAS token, a byte comparison and `ms` with `C`, and an
//! increment as `mg` with the token and remaining time, a check of the decimal text, and `ma`
//! with `C`. A bare `ma` (memcached's unsigned counter, not the same work) is shown for
//! reference. The keys are deleted at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, BackendUrl, Entry, WriteOp};
use kivigo_memcached::{MemcachedConfig, open_url};
use memcache::exp::{Arithmetic, AsyncMetaClient, Delete, Get, Meta, Op, Set};

/// Keys of the one-by-one runs, and of the batch runs.
const SINGLE: usize = 5_000;
const BATCHED: usize = 20_000;
const BATCH: usize = 100;
const ROUNDS: usize = 7;
const TTL: Duration = Duration::from_secs(600);
/// The exptime kivigo sends for [`TTL`]: whole seconds and one tick more.
const TTL_TOKEN: u32 = 601;

type Failure = Box<dyn std::error::Error>;

/// The operations measured, in the order of the table.
const ROWS: [&str; 9] = [
    "set",
    "set with TTL",
    "batch_set of 100",
    "batch_set of 100 with TTL",
    "batch_write of 100 (50 puts, 50 deletes)",
    "set_if_absent (add)",
    "compare_and_swap round",
    "increment",
    "increment vs a bare ma",
];

/// Runs `$raw` and `$kivigo` on the same slices of `0..$n`, in turns (the raw driver first on
/// each slice), and returns their operations per second: `[raw, kivigo]`. Turns of a few dozen
/// milliseconds keep a change of load on the shared machine from favouring either side.
macro_rules! turns {
    ($n:expr, $slice:expr, |$range:ident| $raw:block, $kivigo:block) => {{
        let (mut raw_time, mut kivigo_time) = (Duration::ZERO, Duration::ZERO);
        for start in (0..$n).step_by($slice) {
            let $range = start..($n).min(start + $slice);
            let started = Instant::now();
            $raw;
            raw_time += started.elapsed();
            let $range = start..($n).min(start + $slice);
            let started = Instant::now();
            $kivigo;
            kivigo_time += started.elapsed();
        }
        [
            $n as f64 / raw_time.as_secs_f64().max(f64::EPSILON),
            $n as f64 / kivigo_time.as_secs_f64().max(f64::EPSILON),
        ]
    }};
}

/// Operations of one turn of the one-by-one runs, and of the batch runs.
const SINGLE_TURN: usize = 100;
const BATCH_TURN: usize = 10 * BATCH;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "memcached://127.0.0.1:11211".to_owned());
    let prefix = format!("kivigo-overhead-{:08x}/", std::process::id());
    let url = BackendUrl::parse(&url)?;
    let servers = MemcachedConfig::from_url(&url)?.servers;
    let raw = AsyncMetaClient::connect_multiple(servers).await?;
    let kivigo = Prefix::new(&prefix).layer(Arc::new(open_url(&url).await?))?;

    let names: Vec<String> = (0..BATCHED).map(|i| format!("{i:07}")).collect();
    let wire: Vec<String> = names.iter().map(|key| format!("{prefix}{key}")).collect();
    let value = vec![b'v'; 100];
    let other = vec![b'w'; 100];
    let entries: Vec<Entry> = names.iter().map(|k| (k.clone(), value.clone())).collect();
    // Puts of the even keys and deletes of the odd ones.
    let raw_ops = |range: std::ops::Range<usize>| {
        range.map(|i| {
            if i % 2 == 0 {
                Op::Set(Set::new(&wire[i], &value))
            } else {
                Op::Delete(Delete::new(&wire[i]))
            }
        })
    };
    let ops: Vec<WriteOp> = (0..BATCHED)
        .map(|i| {
            if i % 2 == 0 {
                WriteOp::put(&names[i], value.clone())
            } else {
                WriteOp::delete(&names[i])
            }
        })
        .collect();

    // ops/s per row: [raw, kivigo].
    let mut rounds: Vec<[[f64; 2]; ROWS.len()]> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let mut row = [[0.0; 2]; ROWS.len()];
        row[0] = turns!(
            SINGLE,
            SINGLE_TURN,
            |range| {
                for key in &wire[range] {
                    raw.run(Set::new(key, &value)).await?;
                }
            },
            {
                for key in &names[range] {
                    kivigo.set(key, &value, None).await?;
                }
            }
        );
        row[1] = turns!(
            SINGLE,
            SINGLE_TURN,
            |range| {
                for key in &wire[range] {
                    raw.run(Set::new(key, &value).ttl_raw(TTL_TOKEN)).await?;
                }
            },
            {
                for key in &names[range] {
                    kivigo.set(key, &value, Some(TTL)).await?;
                }
            }
        );
        for (index, token) in [(2, None), (3, Some(TTL_TOKEN))] {
            let ttl = token.map(|_| TTL);
            row[index] = turns!(
                BATCHED,
                BATCH_TURN,
                |range| {
                    for chunk in wire[range].chunks(BATCH) {
                        let sets = chunk.iter().map(|key| {
                            let set = Set::new(key, &value);
                            match token {
                                Some(token) => set.ttl_raw(token),
                                None => set,
                            }
                        });
                        check(raw.run_many(sets).await?)?;
                    }
                },
                {
                    for chunk in entries[range].chunks(BATCH) {
                        kivigo.batch_set(chunk, ttl).await?;
                    }
                }
            );
        }
        row[4] = turns!(
            BATCHED,
            BATCH_TURN,
            |range| {
                for start in range.step_by(BATCH) {
                    check(raw.run_batch(raw_ops(start..start + BATCH)).await?)?;
                }
            },
            {
                for chunk in ops[range].chunks(BATCH) {
                    kivigo.batch_write(chunk).await?;
                }
            }
        );
        // Adds of missing keys: the raw driver adds the first SINGLE keys, kivigo the next.
        kivigo.batch_delete(&names).await?;
        row[5] = turns!(
            SINGLE,
            SINGLE_TURN,
            |range| {
                for key in &wire[range] {
                    assert!(raw.run(Set::new(key, &value).add()).await?.applied());
                }
            },
            {
                for key in &names[SINGLE + range.start..SINGLE + range.end] {
                    assert!(kivigo.set_if_absent(key, &value, None).await?);
                }
            }
        );
        // Compare-and-swap rounds on the same keys: the raw driver from `value` to `other`,
        // kivigo back.
        row[6] = turns!(
            SINGLE,
            SINGLE_TURN,
            |range| {
                for key in &wire[range] {
                    let read = raw.run(Get::new(key).meta(Meta::NONE.cas())).await?;
                    assert!(read.value.as_deref() == Some(value.as_slice()));
                    let cas = read.item.cas.ok_or("no CAS token")?;
                    let write = raw.run(Set::new(key, &other).compare_cas(cas)).await?;
                    assert!(write.applied());
                }
            },
            {
                for key in &names[range] {
                    assert!(
                        kivigo
                            .compare_and_swap(key, Some(&other), Some(&value))
                            .await?
                    );
                }
            }
        );
        // Counters with a TTL, from 0: the raw driver counts each to 1, kivigo to 2.
        let zeros: Vec<Entry> = names[..SINGLE]
            .iter()
            .map(|key| (key.clone(), b"0".to_vec()))
            .collect();
        kivigo.batch_set(&zeros, Some(TTL)).await?;
        row[7] = turns!(
            SINGLE,
            SINGLE_TURN,
            |range| {
                for key in &wire[range] {
                    raw_increment(&raw, key).await?;
                }
            },
            {
                for key in &names[range] {
                    assert_eq!(kivigo.increment(key, 1).await?, 2);
                }
            }
        );
        row[8] = turns!(
            SINGLE,
            SINGLE_TURN,
            |range| {
                for key in &wire[range] {
                    raw.run(Arithmetic::new(key).delta(1)).await?;
                }
            },
            {
                for key in &names[range] {
                    kivigo.increment(key, 1).await?;
                }
            }
        );
        rounds.push(row);
    }

    kivigo.batch_delete(&names).await?;
    kivigo.close().await?;

    println!(
        "medians (min-max) of {ROUNDS} rounds; single ops on {SINGLE} keys, batches on {BATCHED} \
         keys of 100 bytes:"
    );
    println!(
        "{:<42} {:>10} {:>10} {:>20}",
        "operation", "raw ops/s", "kivigo", "kivigo / raw"
    );
    for (index, name) in ROWS.iter().enumerate() {
        let raw_rates: Vec<f64> = rounds.iter().map(|r| r[index][0]).collect();
        let kivigo_rates: Vec<f64> = rounds.iter().map(|r| r[index][1]).collect();
        let ratios: Vec<f64> = rounds.iter().map(|r| r[index][1] / r[index][0]).collect();
        let (low, high) = spread(&ratios);
        println!(
            "{name:<42} {:>10.0} {:>10.0} {:>8.2} ({low:.2}-{high:.2})",
            median(raw_rates),
            median(kivigo_rates),
            median(ratios.clone()),
        );
    }
    Ok(())
}

/// One increment with the raw driver, doing what kivigo's contract needs: read the value with
/// its CAS token and remaining time, check it is a canonical non-negative `i64`, add with `ma`
/// guarded by the token.
async fn raw_increment(raw: &AsyncMetaClient, key: &str) -> Result<(), Failure> {
    let read = raw.run(Get::new(key).meta(Meta::NONE.cas().ttl())).await?;
    let text = std::str::from_utf8(read.value.as_deref().ok_or("missing")?)?;
    let current: i64 = text.parse()?;
    if current.to_string() != text || current < 0 {
        return Err("not a canonical non-negative counter".into());
    }
    let cas = read.item.cas.ok_or("no CAS token")?;
    let added = raw
        .run(Arithmetic::new(key).delta(1).compare_cas(cas))
        .await?;
    if !added.applied() {
        return Err("lost a race in a single-writer benchmark".into());
    }
    Ok(())
}

/// The first error among the answers of a batch.
fn check<T>(answers: Vec<memcache::exp::Result<T>>) -> Result<(), Failure> {
    match answers.into_iter().find_map(Result::err) {
        Some(err) => Err(err.into()),
        None => Ok(()),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn spread(values: &[f64]) -> (f64, f64) {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low, high)
}
