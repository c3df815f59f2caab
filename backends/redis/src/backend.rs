//! The Redis backend itself: each operation's commands, sent on the shared connection.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

use kivigo_core::backend::{OpenHandle, last_op_wins, unique, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanOrder, ScanPage,
    WriteOp, async_trait,
};
use redis::aio::ConnectionManager;
use redis::{Cmd, FromRedisValue, RedisResult};

use crate::commands;
use crate::config::{RedisAddress, RedisConfig};
use crate::error::{BACKEND, counter_error, deadline, from_redis};
use crate::limits::{MAX_BULK_SIZE, SCAN_COUNT, SCAN_MAX_COUNT, SCAN_STEPS_PER_PAGE, TTL};
use crate::scan::{PageBuilder, ScanCursor, match_pattern};
use crate::script::CasScript;

const CAPABILITIES: Capabilities = Capabilities::new(BACKEND)
    .with_list(true)
    .with_scan(ScanOrder::Unordered)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::Whole)
    .with_batch_write(true)
    .with_max_key_size(MAX_BULK_SIZE)
    .with_max_value_size(MAX_BULK_SIZE)
    .with_ttl(TTL)
    .with_conditional_writes(true)
    .with_increment(true);

/// A key-value store in one Redis database.
///
/// Build it with [`RedisBackend::open`] or through `kivigo::open("redis://127.0.0.1:6379/0")`
/// (add `?prefix=app:` to keep keys under a prefix: the facade's `Prefix` layer does it for
/// every store). It holds one multiplexed connection (a [`ConnectionManager`]) shared by every
/// call and task; when the connection breaks, calls fail with a transient error and the manager
/// reconnects by itself, so the same backend works again once the server is back.
pub struct RedisBackend {
    connection: OpenHandle<ConnectionManager>,
    budget: Duration,
    address: RedisAddress,
    db: i64,
    cas: CasScript,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("address", &self.address.to_string())
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// Connects to the server described by `config`.
    ///
    /// A server that refuses the connection or does not complete it within `connect_timeout`
    /// gives [`Error::Unavailable`] (transient); a wrong password is a permanent error.
    pub async fn open(config: RedisConfig) -> Result<Self> {
        let (manager, budget) = crate::connection::connect(&config).await?;
        Ok(Self {
            connection: OpenHandle::new(BACKEND, manager),
            budget,
            address: config.address,
            db: config.db,
            cas: CasScript::new(),
        })
    }

    fn connection(&self) -> Result<ConnectionManager> {
        self.connection.get()
    }

    /// Runs one round trip, mapping errors and bounding its duration.
    async fn run<T>(
        &self,
        operation: Operation,
        call: impl Future<Output = RedisResult<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.budget, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(from_redis(err, operation)),
            Err(_) => Err(deadline(operation)),
        }
    }

    /// Sends one command.
    async fn query<T: FromRedisValue>(&self, operation: Operation, command: Cmd) -> Result<T> {
        let mut connection = self.connection()?;
        self.run(operation, command.query_async(&mut connection))
            .await
    }

    /// Sends `commands` as one round trip: a single command alone (Redis runs each command
    /// atomically), several inside one MULTI/EXEC so that the whole batch is all-or-nothing.
    /// Returns one reply per command. Errors of commands inside the transaction are classified
    /// one by one (see [`from_redis`]).
    async fn transaction<T: FromRedisValue>(
        &self,
        operation: Operation,
        mut commands: Vec<Cmd>,
    ) -> Result<Vec<T>> {
        if commands.len() == 1 {
            let command = commands.remove(0);
            return Ok(vec![self.query(operation, command).await?]);
        }
        let mut connection = self.connection()?;
        let mut pipeline = redis::pipe();
        pipeline.atomic();
        for command in commands {
            pipeline.add_command(command);
        }
        self.run(operation, pipeline.query_async(&mut connection))
            .await
    }

    /// One SCAN call: the next server cursor and the keys of the reply, as text.
    async fn scan_step(
        &self,
        operation: Operation,
        cursor: u64,
        pattern: &str,
        count: usize,
    ) -> Result<(u64, Vec<String>)> {
        let (next, raw): (u64, Vec<Vec<u8>>) = self
            .query(operation, commands::scan(cursor, pattern, count))
            .await?;
        let keys = raw
            .into_iter()
            .map(|stored| {
                String::from_utf8(stored)
                    .map_err(|err| Error::foreign_key(BACKEND, operation, err.as_bytes()))
            })
            .collect::<Result<_>>()?;
        Ok((next, keys))
    }

    /// Runs the compare-and-swap script: EVALSHA, or EVAL when the server does not know it.
    async fn swap(&self, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool> {
        let operation = Operation::CompareAndSwap;
        let mut connection = self.connection()?;
        if !self.cas.is_loaded() {
            // The swap itself has not been sent when loading the script fails.
            let sha: String = self
                .run(operation, self.cas.load().query_async(&mut connection))
                .await
                .map_err(Error::never_sent)?;
            if sha != self.cas.sha() {
                return Err(Error::permanent(
                    BACKEND,
                    operation,
                    format!("SCRIPT LOAD answered SHA1 {sha}, not {}", self.cas.sha()),
                )
                .never_sent());
            }
            self.cas.mark_loaded();
        }
        let evalsha = self.cas.evalsha(key, expected, new);
        let swapped: i64 =
            match tokio::time::timeout(self.budget, evalsha.query_async::<i64>(&mut connection))
                .await
            {
                Ok(Ok(swapped)) => swapped,
                // A restart, SCRIPT FLUSH or a fail-over emptied the script cache: NOSCRIPT means the
                // script did not run, so sending it whole is safe. EVAL caches it again.
                Ok(Err(err)) if err.code() == Some("NOSCRIPT") => {
                    self.query(operation, self.cas.eval(key, expected, new))
                        .await?
                }
                Ok(Err(err)) => return Err(from_redis(err, operation)),
                Err(_) => return Err(deadline(operation)),
            };
        Ok(swapped == 1)
    }
}

#[async_trait]
impl Backend for RedisBackend {
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&CAPABILITIES, key)?;
        self.query(Operation::Get, commands::get(key)).await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_value(&CAPABILITIES, key, value)?;
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        self.query(Operation::Set, commands::set(key, value, ttl))
            .await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        let removed: u64 = self.query(Operation::Delete, commands::delete(key)).await?;
        Ok(removed > 0)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&CAPABILITIES, key)?;
        let left: i64 = self.query(Operation::Ttl, commands::pttl(key)).await?;
        match left {
            -2 => Ok(KeyTtl::Missing),
            -1 => Ok(KeyTtl::Persistent),
            millis if millis >= 0 => Ok(KeyTtl::Remaining(Duration::from_millis(
                millis.unsigned_abs(),
            ))),
            other => Err(Error::permanent(
                BACKEND,
                Operation::Ttl,
                format!("PTTL answered {other}"),
            )),
        }
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_ttl(&CAPABILITIES, Operation::Expire, ttl)?;
        let existed: i64 = match ttl {
            Some(ttl) => {
                self.query(Operation::Expire, commands::pexpire(key, ttl))
                    .await?
            }
            None => {
                let replies: Vec<i64> = self
                    .transaction(Operation::Expire, commands::persist(key))
                    .await?;
                replies.last().copied().unwrap_or(0)
            }
        };
        Ok(existed > 0)
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        validate::check_value(&CAPABILITIES, key, value)?;
        validate::check_ttl(&CAPABILITIES, Operation::SetIfAbsent, ttl)?;
        let written: Option<()> = self
            .query(
                Operation::SetIfAbsent,
                commands::set_if_absent(key, value, ttl),
            )
            .await?;
        Ok(written.is_some())
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&CAPABILITIES, key)?;
        if let Some(value) = new {
            validate::check_value(&CAPABILITIES, key, value)?;
        }
        if expected.is_some_and(|value| value.len() > MAX_BULK_SIZE) {
            // No stored value is that long, so it cannot match: nothing to send.
            return Ok(false);
        }
        self.swap(key, expected, new).await
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        validate::check_key(&CAPABILITIES, key)?;
        let mut connection = self.connection()?;
        let command = commands::increment(key, delta);
        match tokio::time::timeout(self.budget, command.query_async(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(counter_error(&err, key, delta)
                .unwrap_or_else(|| from_redis(err, Operation::Increment))),
            Err(_) => Err(deadline(Operation::Increment)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.connection()?;
        let pattern = match_pattern(prefix);
        let mut found = BTreeSet::new();
        let mut cursor = 0;
        loop {
            let (next, keys) = self
                .scan_step(Operation::List, cursor, &pattern, SCAN_COUNT)
                .await?;
            found.extend(keys);
            if next == 0 {
                return Ok(found.into_iter().collect());
            }
            cursor = next;
        }
    }

    async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        let mut state = match cursor {
            Some(text) => ScanCursor::parse(text)?,
            None => ScanCursor::default(),
        };
        self.connection()?;
        let pattern = match_pattern(prefix);
        let mut page = PageBuilder::new(limit);
        page.take_pending(&mut state, prefix);
        // COUNT is how many keys SCAN visits, matching or not. Ask for the room left; after a
        // step that matched nothing, visit more at once so that a sparse prefix does not cost a
        // round trip per handful of keys. Never more than SCAN_MAX_COUNT: one SCAN call holds
        // the server while it walks.
        let room = |page: &PageBuilder| page.room().clamp(1, SCAN_MAX_COUNT);
        let mut count = room(&page);
        let mut steps = 0;
        while !page.is_full() && !state.walked && steps < SCAN_STEPS_PER_PAGE {
            let (next, keys) = self
                .scan_step(Operation::Scan, state.server, &pattern, count)
                .await?;
            steps += 1;
            state.advance(next);
            count = if keys.is_empty() {
                count.saturating_mul(2).min(SCAN_MAX_COUNT)
            } else {
                room(&page)
            };
            for key in keys {
                page.push(key, &mut state);
            }
        }
        Ok(ScanPage::new(page.into_keys(), state.next()))
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        self.connection()?;
        // MGET answers a key named twice twice, and the map keeps it once: no need to
        // de-duplicate first (one hash per key less).
        let all: Vec<&String> = keys.iter().collect();
        let replies: Vec<Vec<Option<Vec<u8>>>> = self
            .transaction(Operation::BatchGet, commands::batch_get(&all))
            .await?;
        let mut found = HashMap::with_capacity(keys.len());
        for (key, value) in keys.iter().zip(replies.into_iter().flatten()) {
            if let Some(value) = value {
                found.insert(key.clone(), value);
            }
        }
        Ok(found)
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        self.connection()?;
        let commands = commands::batch_set_entries(entries, ttl);
        let _: Vec<()> = self.transaction(Operation::BatchSet, commands).await?;
        Ok(())
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&CAPABILITIES, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        self.connection()?;
        // A key named twice would be counted once by Redis within one UNLINK, but twice across
        // chunks; de-duplicating first makes the count exact either way.
        let distinct: Vec<&String> = unique(keys).collect();
        let counts: Vec<u64> = self
            .transaction(Operation::BatchDelete, commands::batch_delete(&distinct))
            .await?;
        Ok(counts.into_iter().sum())
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&CAPABILITIES, ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        self.connection()?;
        let commands = commands::batch_write(&last_op_wins(ops));
        let _: Vec<()> = self.transaction(Operation::BatchWrite, commands).await?;
        Ok(())
    }

    async fn health(&self) -> Result<()> {
        let reply: String = self.query(Operation::Health, commands::ping()).await?;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(Error::permanent(
                BACKEND,
                Operation::Health,
                format!("PING answered {reply:?} instead of PONG"),
            ))
        }
    }

    async fn close(&self) -> Result<()> {
        // Dropping the manager closes the connection once calls still in flight are done.
        drop(self.connection.take());
        Ok(())
    }
}
