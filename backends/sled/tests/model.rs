//! Model-based check: sled must answer like the memory backend on random operations.
//!
//! The memory backend is the reference implementation of the contract; both run the same
//! random sequence of operations and must answer alike every time.
//!
//! TTLs are an hour long, so no key expires during a run and the two stores cannot drift
//! apart on timing; they still send sled through its expiring mode (transactions over the
//! expiry trees) for most of each run. Expiry itself is checked in `v2.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use kivigo_core::{Backend, Entry, KeyTtl, MemoryBackend, Result, WriteOp};
use kivigo_sled::{FlushPolicy, SledBackend, SledConfig};

const KEYS: [&str; 8] = ["a", "a/1", "a/2", "ab", "b", "b%", "c", "n"];
const VALUES: [&[u8]; 8] = [
    b"",
    b"1",
    b"42",
    b"-7",
    b"x",
    b"\xff\x00",
    b"9223372036854775807",
    b"007",
];
const PREFIXES: [&str; 6] = ["", "a", "a/", "b", "b%", "z"];
const DELTAS: [i64; 5] = [1, -1, 5, i64::MAX, i64::MIN];
const HOUR: Duration = Duration::from_secs(3600);

/// xorshift64*: deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn key(&mut self) -> String {
        KEYS[self.below(KEYS.len())].to_owned()
    }
    fn value(&mut self) -> Vec<u8> {
        VALUES[self.below(VALUES.len())].to_vec()
    }
    fn ttl(&mut self) -> Option<Duration> {
        (self.below(3) == 0).then_some(HOUR)
    }
    fn keys(&mut self, max: usize) -> Vec<String> {
        (0..self.below(max + 1)).map(|_| self.key()).collect()
    }
}

/// One operation, drawn at random.
#[derive(Debug, Clone)]
enum Op {
    Get(String),
    Set(String, Vec<u8>, Option<Duration>),
    Delete(String),
    Ttl(String),
    Expire(String, Option<Duration>),
    SetIfAbsent(String, Vec<u8>, Option<Duration>),
    Cas(String, Option<Vec<u8>>, Option<Vec<u8>>),
    Increment(String, i64),
    BatchGet(Vec<String>),
    BatchSet(Vec<Entry>, Option<Duration>),
    BatchDelete(Vec<String>),
    BatchWrite(Vec<WriteOp>),
    List(String),
    Scan(String, usize),
}

fn draw(rng: &mut Rng) -> Op {
    match rng.below(15) {
        0 => Op::Get(rng.key()),
        1 | 2 => Op::Set(rng.key(), rng.value(), rng.ttl()),
        3 => Op::Delete(rng.key()),
        4 => Op::Ttl(rng.key()),
        5 => Op::Expire(rng.key(), rng.ttl()),
        6 => Op::SetIfAbsent(rng.key(), rng.value(), rng.ttl()),
        7 => {
            let expected = (rng.below(4) != 0).then(|| rng.value());
            let new = (rng.below(4) != 0).then(|| rng.value());
            Op::Cas(rng.key(), expected, new)
        }
        8 => Op::Increment(
            if rng.below(2) == 0 {
                "n".into()
            } else {
                rng.key()
            },
            DELTAS[rng.below(DELTAS.len())],
        ),
        9 => Op::BatchGet(rng.keys(6)),
        10 => {
            // Now and then a batch too big to run inline (sled moves it off the task).
            let size = if rng.below(10) == 0 {
                200
            } else {
                rng.below(6)
            };
            let entries = (0..size).map(|_| (rng.key(), rng.value())).collect();
            Op::BatchSet(entries, rng.ttl())
        }
        11 => Op::BatchDelete(rng.keys(5)),
        12 => {
            let ops = (0..rng.below(6))
                .map(|_| match rng.below(3) {
                    0 => WriteOp::delete(rng.key()),
                    _ => WriteOp::Put {
                        key: rng.key(),
                        value: rng.value(),
                        ttl: rng.ttl(),
                    },
                })
                .collect();
            Op::BatchWrite(ops)
        }
        13 => Op::List(PREFIXES[rng.below(PREFIXES.len())].to_owned()),
        _ => Op::Scan(
            PREFIXES[rng.below(PREFIXES.len())].to_owned(),
            1 + rng.below(3),
        ),
    }
}

/// What an operation answered, in a form two stores can be compared on: errors by kind,
/// remaining TTLs without their exact duration, maps sorted.
fn outcome<T: std::fmt::Debug>(result: Result<T>) -> String {
    match result {
        Ok(value) => format!("ok {value:?}"),
        Err(err) => format!("err {}", err.kind_name()),
    }
}

async fn apply(store: &dyn Backend, op: &Op) -> String {
    match op {
        Op::Get(key) => outcome(store.get(key).await),
        Op::Set(key, value, ttl) => outcome(store.set(key, value, *ttl).await),
        Op::Delete(key) => outcome(store.delete(key).await),
        Op::Ttl(key) => outcome(store.ttl(key).await.map(|ttl| match ttl {
            KeyTtl::Remaining(_) => "remaining".to_owned(),
            other => format!("{other:?}"),
        })),
        Op::Expire(key, ttl) => outcome(store.expire(key, *ttl).await),
        Op::SetIfAbsent(key, value, ttl) => outcome(store.set_if_absent(key, value, *ttl).await),
        Op::Cas(key, expected, new) => outcome(
            store
                .compare_and_swap(key, expected.as_deref(), new.as_deref())
                .await,
        ),
        Op::Increment(key, delta) => outcome(store.increment(key, *delta).await),
        Op::BatchGet(keys) => outcome(
            store
                .batch_get(keys)
                .await
                .map(|found| found.into_iter().collect::<BTreeMap<_, _>>()),
        ),
        Op::BatchSet(entries, ttl) => outcome(store.batch_set(entries, *ttl).await),
        Op::BatchDelete(keys) => outcome(store.batch_delete(keys).await),
        Op::BatchWrite(ops) => outcome(store.batch_write(ops).await),
        Op::List(prefix) => outcome(store.list(prefix).await),
        Op::Scan(prefix, limit) => outcome(scan_all(store, prefix, *limit).await),
    }
}

/// Every page of a scan, pages kept apart so that their sizes and cursors' effect compare too.
async fn scan_all(store: &dyn Backend, prefix: &str, limit: usize) -> Result<Vec<Vec<String>>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.scan(prefix, cursor.as_deref(), limit).await?;
        pages.push(page.keys);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(pages),
        }
    }
}

async fn run(seed: u64, steps: usize, flush: FlushPolicy) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sled = SledBackend::open(SledConfig {
        flush,
        ..SledConfig::new(dir.path())
    })
    .await
    .expect("open sled");
    let memory = MemoryBackend::new();
    let mut rng = Rng(seed);
    let mut history = Vec::new();
    for step in 0..steps {
        let op = draw(&mut rng);
        let expected = apply(&memory, &op).await;
        let got = apply(&sled, &op).await;
        history.push(format!("{op:?}"));
        assert_eq!(
            got,
            expected,
            "seed {seed}, step {step}: sled and memory differ on {op:?}; last operations: {:#?}",
            &history[history.len().saturating_sub(8)..]
        );
    }
    // The final contents agree too.
    let keys = memory.list("").await.expect("list");
    assert_eq!(sled.list("").await.expect("list"), keys);
    assert_eq!(
        outcome(
            sled.batch_get(&keys)
                .await
                .map(|m| m.into_iter().collect::<BTreeMap<_, _>>())
        ),
        outcome(
            memory
                .batch_get(&keys)
                .await
                .map(|m| m.into_iter().collect::<BTreeMap<_, _>>())
        )
    );
    sled.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_answers_like_memory_seed_1() {
    run(1, 3000, FlushPolicy::Every(HOUR)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_answers_like_memory_seed_2() {
    run(0x5eed_0002, 3000, FlushPolicy::Every(HOUR)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sled_answers_like_memory_flushing_every_write() {
    run(0x5eed_0003, 1000, FlushPolicy::Always).await;
}

#[tokio::test(flavor = "current_thread")]
async fn sled_answers_like_memory_on_a_current_thread_runtime() {
    run(0x5eed_0004, 2000, FlushPolicy::Every(HOUR)).await;
}
