//! kivigo's Redis backend against the raw redis crate doing the same work on the same server:
//! SET, GET, SET PX, SET NX, INCRBY and a compare-and-swap Lua script one key at a time, MSET
//! and MGET in batches. The two sides take turns every 1,000 keys (who goes first alternates),
//! so that both meet the same load on a busy machine; each side's time is summed per round.
//!
//! ```text
//! cargo run --release -p kivigo-redis --example overhead -- [URL] [KEYS] [BATCH] [ROUNDS]
//! ```
//!
//! Defaults: `redis://127.0.0.1:6379/15`, 10,000 keys of 100 bytes, batches of 100, 3 rounds.
//! It writes under its own key prefix and deletes its keys at the end. Prints the median of the
//! rounds and the lowest and highest kivigo/raw ratio of a round. Both sides use the same
//! connection and response timeouts (5 s, 10 s).

use std::time::{Duration, Instant};

use redis::aio::ConnectionManagerConfig;

use kivigo_core::{Backend, BackendUrl, Entry};
use kivigo_redis::{RedisBackend, RedisConfig};
use redis::aio::ConnectionManager;

type Failure = Box<dyn std::error::Error>;

/// The raw driver's best compare-and-swap: a Lua script, called by its SHA1.
const RAW_CAS: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
";

const OPS: [&str; 8] = [
    "set",
    "get",
    "set PX",
    "set NX",
    "incrby",
    "cas",
    "batch_set",
    "batch_get",
];

/// Keys each side handles before the other takes its turn.
const SLICE: usize = 1000;

struct Bench {
    raw: ConnectionManager,
    backend: RedisBackend,
    cas: redis::Script,
    batch: usize,
    value: Vec<u8>,
}

impl Bench {
    /// Deletes `keys` (between measurements, not timed).
    async fn clear(&mut self, keys: &[String]) -> Result<(), Failure> {
        for chunk in keys.chunks(1000) {
            let _: u64 = redis::cmd("UNLINK")
                .arg(chunk)
                .query_async(&mut self.raw)
                .await?;
        }
        Ok(())
    }

    /// Sets every key of `keys` to "0" (between measurements, not timed).
    async fn zero(&mut self, keys: &[String]) -> Result<(), Failure> {
        for chunk in keys.chunks(1000) {
            let mut command = redis::cmd("MSET");
            for key in chunk {
                command.arg(key).arg("0");
            }
            let _: () = command.query_async(&mut self.raw).await?;
        }
        Ok(())
    }

    /// The raw driver's time for operation `op` over `keys`.
    async fn raw(&mut self, op: usize, keys: &[String]) -> Result<Duration, Failure> {
        let ttl = 600_000_u64;
        match op {
            3 | 4 => self.clear(keys).await?,
            5 => self.zero(keys).await?,
            _ => {}
        }
        let started = Instant::now();
        let raw = &mut self.raw;
        match op {
            0 => {
                for key in keys {
                    let _: () = redis::cmd("SET")
                        .arg(key)
                        .arg(&self.value)
                        .query_async(raw)
                        .await?;
                }
            }
            1 => {
                for key in keys {
                    let _: Option<Vec<u8>> = redis::cmd("GET").arg(key).query_async(raw).await?;
                }
            }
            2 => {
                for key in keys {
                    let _: () = redis::cmd("SET")
                        .arg(key)
                        .arg(&self.value)
                        .arg("PX")
                        .arg(ttl)
                        .query_async(raw)
                        .await?;
                }
            }
            3 => {
                for key in keys {
                    let _: Option<()> = redis::cmd("SET")
                        .arg(key)
                        .arg(&self.value)
                        .arg("NX")
                        .query_async(raw)
                        .await?;
                }
            }
            4 => {
                for key in keys {
                    let _: i64 = redis::cmd("INCRBY")
                        .arg(key)
                        .arg(1)
                        .query_async(raw)
                        .await?;
                }
            }
            5 => {
                for key in keys {
                    let _: i64 = self
                        .cas
                        .key(key)
                        .arg("0")
                        .arg("1")
                        .invoke_async(raw)
                        .await?;
                }
            }
            6 => {
                for chunk in keys.chunks(self.batch) {
                    let mut command = redis::cmd("MSET");
                    for key in chunk {
                        command.arg(key).arg(&self.value);
                    }
                    let _: () = command.query_async(raw).await?;
                }
            }
            _ => {
                for chunk in keys.chunks(self.batch) {
                    let _: Vec<Option<Vec<u8>>> =
                        redis::cmd("MGET").arg(chunk).query_async(raw).await?;
                }
            }
        }
        Ok(started.elapsed())
    }

    /// kivigo's time for operation `op` over `keys`.
    async fn kivigo(&mut self, op: usize, keys: &[String]) -> Result<Duration, Failure> {
        let ttl = Some(Duration::from_secs(600));
        match op {
            3 | 4 => self.clear(keys).await?,
            5 => self.zero(keys).await?,
            _ => {}
        }
        let entries: Vec<Entry> = if op == 6 {
            keys.iter()
                .map(|key| (key.clone(), self.value.clone()))
                .collect()
        } else {
            Vec::new()
        };
        let backend = &self.backend;
        let started = Instant::now();
        match op {
            0 => {
                for key in keys {
                    backend.set(key, &self.value, None).await?;
                }
            }
            1 => {
                for key in keys {
                    backend.get(key).await?;
                }
            }
            2 => {
                for key in keys {
                    backend.set(key, &self.value, ttl).await?;
                }
            }
            3 => {
                for key in keys {
                    backend.set_if_absent(key, &self.value, None).await?;
                }
            }
            4 => {
                for key in keys {
                    backend.increment(key, 1).await?;
                }
            }
            5 => {
                for key in keys {
                    backend
                        .compare_and_swap(key, Some(b"0"), Some(b"1"))
                        .await?;
                }
            }
            6 => {
                for chunk in entries.chunks(self.batch) {
                    backend.batch_set(chunk, None).await?;
                }
            }
            _ => {
                for chunk in keys.chunks(self.batch) {
                    backend.batch_get(chunk).await?;
                }
            }
        }
        Ok(started.elapsed())
    }
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/15".to_owned());
    let count: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    let batch: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let rounds: usize = args.next().map_or(Ok(3), |n| n.parse())?;

    let backend = RedisBackend::open(RedisConfig::from_url(&BackendUrl::parse(&url)?)?).await?;
    let same_timeouts = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(10)));
    let raw = redis::Client::open(url.split('?').next().unwrap_or(&url))?
        .get_connection_manager_with_config(same_timeouts)
        .await?;
    let mut bench = Bench {
        raw,
        backend,
        cas: redis::Script::new(RAW_CAS),
        batch,
        value: vec![b'v'; 100],
    };
    // Each side has its own keys (SET NX and the swap need fresh ones), under this run's prefix.
    let prefix = format!("kivigo-overhead-{}:", std::process::id());
    let side = |name: &str| -> Vec<String> {
        (0..count)
            .map(|i| format!("{prefix}{name}:{i:07}"))
            .collect()
    };
    let (raw_keys, our_keys) = (side("raw"), side("kivigo"));

    // samples[op] = (raw rates, kivigo rates, kivigo/raw per round)
    let slice = SLICE.div_ceil(batch) * batch;
    let mut samples = vec![(Vec::new(), Vec::new(), Vec::new()); OPS.len()];
    for round in 0..rounds {
        for (op, sample) in samples.iter_mut().enumerate() {
            let (mut raw, mut ours) = (Duration::ZERO, Duration::ZERO);
            let turns = raw_keys.chunks(slice).zip(our_keys.chunks(slice));
            for (turn, (raw_slice, our_slice)) in turns.enumerate() {
                // Alternate which side goes first, so neither always meets a warmer server.
                if (turn + round) % 2 == 0 {
                    raw += bench.raw(op, raw_slice).await?;
                    ours += bench.kivigo(op, our_slice).await?;
                } else {
                    ours += bench.kivigo(op, our_slice).await?;
                    raw += bench.raw(op, raw_slice).await?;
                }
            }
            let (raw, ours) = (
                count as f64 / raw.as_secs_f64(),
                count as f64 / ours.as_secs_f64(),
            );
            sample.0.push(raw);
            sample.1.push(ours);
            sample.2.push(ours / raw);
        }
    }
    bench.clear(&raw_keys).await?;
    bench.clear(&our_keys).await?;
    bench.backend.close().await?;

    let median = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    println!("{count} keys of 100 bytes, batches of {batch}, {rounds} rounds (keys/s, medians)");
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>14}",
        "op", "raw", "kivigo", "kivigo/raw", "round min-max"
    );
    for (name, (raw, ours, ratios)) in OPS.iter().zip(&samples) {
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        println!(
            "{name:<10} {:>10.0} {:>10.0} {:>10.2} {:>9.2}-{high:.2}",
            median(raw),
            median(ours),
            median(ratios),
            low
        );
    }
    Ok(())
}
