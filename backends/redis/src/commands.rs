//! The Redis commands of each operation, built apart from sending them, so that a cluster
//! backend can group the same commands by slot later.

use std::time::Duration;

use kivigo_core::backend::chunks;
use kivigo_core::{Entry, WriteOp};
use redis::Cmd;

use crate::limits::{CHUNK_BYTES, CHUNK_KEYS, TTL};

/// A TTL in whole milliseconds, rounded up (never down, so a key never expires early).
pub(crate) fn millis(ttl: Duration) -> u64 {
    u64::try_from(TTL.round_up(ttl).as_millis()).unwrap_or(u64::MAX)
}

/// `GET key`.
pub(crate) fn get(key: &str) -> Cmd {
    let mut command = redis::cmd("GET");
    command.arg(key);
    command
}

/// `SET key value [PX ms]`: without a TTL Redis clears an earlier one, as the contract says.
pub(crate) fn set(key: &str, value: &[u8], ttl: Option<Duration>) -> Cmd {
    let mut command = redis::cmd("SET");
    command.arg(key).arg(value);
    if let Some(ttl) = ttl {
        command.arg("PX").arg(millis(ttl));
    }
    command
}

/// `SET key value NX [PX ms]`: OK when written, nil when the key exists.
pub(crate) fn set_if_absent(key: &str, value: &[u8], ttl: Option<Duration>) -> Cmd {
    let mut command = set(key, value, ttl);
    command.arg("NX");
    command
}

/// `DEL key`.
pub(crate) fn delete(key: &str) -> Cmd {
    let mut command = redis::cmd("DEL");
    command.arg(key);
    command
}

/// `PTTL key`: -2 missing, -1 persistent, else the milliseconds left.
pub(crate) fn pttl(key: &str) -> Cmd {
    let mut command = redis::cmd("PTTL");
    command.arg(key);
    command
}

/// `PEXPIRE key ms`: 1 when the key exists.
pub(crate) fn pexpire(key: &str, ttl: Duration) -> Cmd {
    let mut command = redis::cmd("PEXPIRE");
    command.arg(key).arg(millis(ttl));
    command
}

/// `PERSIST key` then `EXISTS key`, in one transaction: PERSIST alone answers 0 both for a
/// missing key and for one that had no TTL, and `expire` must say whether the key exists.
pub(crate) fn persist(key: &str) -> Vec<Cmd> {
    let mut persist = redis::cmd("PERSIST");
    persist.arg(key);
    let mut exists = redis::cmd("EXISTS");
    exists.arg(key);
    vec![persist, exists]
}

/// `INCRBY key delta`: keeps the key's TTL.
pub(crate) fn increment(key: &str, delta: i64) -> Cmd {
    let mut command = redis::cmd("INCRBY");
    command.arg(key).arg(delta);
    command
}

/// `SCAN cursor MATCH pattern COUNT count`.
pub(crate) fn scan(cursor: u64, pattern: &str, count: usize) -> Cmd {
    let mut command = redis::cmd("SCAN");
    command
        .arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(count);
    command
}

/// `PING`.
pub(crate) fn ping() -> Cmd {
    redis::cmd("PING")
}

/// One `name key...` command per chunk of `keys` (MGET, UNLINK).
fn per_chunk(name: &str, keys: &[&String]) -> Vec<Cmd> {
    chunks(keys, CHUNK_KEYS, CHUNK_BYTES, |key| key.len())
        .into_iter()
        .map(|chunk| {
            let mut command = redis::cmd(name);
            for key in chunk {
                command.arg(key.as_str());
            }
            command
        })
        .collect()
}

/// MGET of each chunk of `keys`; the replies, flattened, follow the keys' order.
pub(crate) fn batch_get(keys: &[&String]) -> Vec<Cmd> {
    per_chunk("MGET", keys)
}

/// UNLINK of each chunk of `keys`; the replies add up to the number removed.
pub(crate) fn batch_delete(keys: &[&String]) -> Vec<Cmd> {
    per_chunk("UNLINK", keys)
}

/// The commands that store `entries`: MSET chunks when they are persistent (MSET applies its
/// pairs in order and clears TTLs), one `SET PX` each when they expire. Either way a key written
/// twice keeps its last value, since the commands run in order.
pub(crate) fn batch_set<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ttl: Option<Duration>,
) -> Vec<Cmd> {
    let pairs: Vec<(&str, &[u8])> = entries.into_iter().collect();
    if ttl.is_some() {
        return pairs
            .into_iter()
            .map(|(key, value)| set(key, value, ttl))
            .collect();
    }
    chunks(&pairs, CHUNK_KEYS, CHUNK_BYTES, |(key, value)| {
        key.len() + value.len()
    })
    .into_iter()
    .map(|chunk| {
        let mut command = redis::cmd("MSET");
        for (key, value) in chunk {
            command.arg(*key).arg(*value);
        }
        command
    })
    .collect()
}

/// [`batch_set`] for a batch of entries.
pub(crate) fn batch_set_entries(entries: &[Entry], ttl: Option<Duration>) -> Vec<Cmd> {
    batch_set(
        entries
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_slice())),
        ttl,
    )
}

/// The commands of a `batch_write` whose operations hold each key once (the last operation of
/// each key): persistent puts as MSET chunks, puts with a TTL as `SET PX`, deletes as UNLINK
/// chunks. With each key once, their order does not matter.
pub(crate) fn batch_write(ops: &[&WriteOp]) -> Vec<Cmd> {
    let mut persistent = Vec::new();
    let mut expiring = Vec::new();
    let mut deletes = Vec::new();
    for op in ops {
        match op {
            WriteOp::Put {
                key,
                value,
                ttl: None,
            } => persistent.push((key.as_str(), value.as_slice())),
            WriteOp::Put {
                key,
                value,
                ttl: Some(ttl),
            } => expiring.push(set(key, value, Some(*ttl))),
            WriteOp::Delete { key } => deletes.push(key),
        }
    }
    let mut commands = batch_set(persistent, None);
    commands.extend(expiring);
    commands.extend(batch_delete(&deletes));
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(command: &Cmd) -> String {
        String::from_utf8_lossy(&command.get_packed_command()).replace("\r\n", " ")
    }

    #[test]
    fn ttls_go_in_whole_milliseconds_rounded_up() {
        assert_eq!(millis(Duration::from_micros(1)), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 2);
        assert_eq!(millis(Duration::from_secs(3600)), 3_600_000);
        assert!(text(&set("k", b"v", Some(Duration::from_millis(250)))).ends_with("$2 PX $3 250 "));
        assert!(text(&set_if_absent("k", b"v", None)).ends_with("$2 NX "));
        assert!(!text(&set("k", b"v", None)).contains("PX"));
    }

    #[test]
    fn batches_are_chunked_by_count_and_bytes() {
        let keys: Vec<String> = (0..2500).map(|i| format!("k{i}")).collect();
        let refs: Vec<&String> = keys.iter().collect();
        assert_eq!(batch_get(&refs).len(), 3);
        let big = vec![0_u8; CHUNK_BYTES / 2 + 1];
        let entries: Vec<Entry> = (0..4).map(|i| (format!("b{i}"), big.clone())).collect();
        assert_eq!(
            batch_set_entries(&entries, None).len(),
            4,
            "16 MiB per MSET"
        );
        let timed = batch_set_entries(&entries[..2], Some(Duration::from_secs(1)));
        assert_eq!(timed.len(), 2, "one SET PX per entry");
    }

    #[test]
    fn a_batch_write_groups_its_operations() {
        let ops = [
            WriteOp::put("a", b"1".to_vec()),
            WriteOp::delete("b"),
            WriteOp::put_with_ttl("c", b"3".to_vec(), Duration::from_secs(2)),
            WriteOp::put("d", b"4".to_vec()),
            WriteOp::delete("e"),
        ];
        let refs: Vec<&WriteOp> = ops.iter().collect();
        let commands: Vec<String> = batch_write(&refs).iter().map(text).collect();
        assert_eq!(commands.len(), 3, "{commands:?}");
        assert!(
            commands[0].contains("MSET")
                && commands[0].contains(" a ")
                && commands[0].contains(" d ")
        );
        assert!(commands[1].contains("SET") && commands[1].contains("PX $4 2000"));
        assert!(
            commands[2].contains("UNLINK")
                && commands[2].contains(" b ")
                && commands[2].ends_with(" e ")
        );
    }
}
