//! The Redis backend itself.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

use kivigo_core::backend::{OpenHandle, unique, validate};
use kivigo_core::{
    Atomicity, Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp,
    async_trait,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo, RedisResult};

use crate::config::{RedisAddress, RedisConfig};
use crate::error::{BACKEND, deadline, from_redis};

/// Largest key or value Redis accepts by default (`proto-max-bulk-len`, 512 MiB).
pub const MAX_BULK_SIZE: usize = 512 << 20;

/// Keys per MGET, MSET or UNLINK command. Several chunks of one batch go in one MULTI/EXEC.
pub const CHUNK_KEYS: usize = 1000;

/// An MSET chunk is also closed once its keys and values reach this many bytes, so one command
/// never holds gigabytes (each value may be up to 512 MiB).
pub const CHUNK_BYTES: usize = 16 << 20;

/// The COUNT hint of each SCAN call made by `list`.
pub const SCAN_COUNT: usize = 1000;

/// Extra time the backstop deadline of a call allows beyond its connect and response timeouts,
/// so that the driver's own, more precise error comes first.
const DEADLINE_MARGIN: Duration = Duration::from_secs(1);

/// Capabilities before the key prefix is known (its length is taken off the key limit).
const CAPABILITIES: Capabilities = Capabilities::new(BACKEND)
    .with_list(true)
    .with_native_batch(true)
    .with_atomic_batch(Atomicity::Whole)
    .with_max_key_size(MAX_BULK_SIZE)
    .with_max_value_size(MAX_BULK_SIZE);

/// A key-value store in one Redis database, optionally under a key prefix.
///
/// Build it with [`RedisBackend::open`] or through `kivigo::open("redis://127.0.0.1:6379/0")`.
/// It holds one multiplexed connection (a [`ConnectionManager`]) shared by every call and
/// task; when the connection breaks, calls fail with a transient error and the manager
/// reconnects by itself, so the same backend works again once the server is back.
pub struct RedisBackend {
    connection: OpenHandle<ConnectionManager>,
    capabilities: Capabilities,
    prefix: String,
    budget: Duration,
    address: RedisAddress,
    db: i64,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("address", &self.address.to_string())
            .field("db", &self.db)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// Connects to the server described by `config`.
    ///
    /// A server that refuses the connection or does not complete it within `connect_timeout`
    /// gives [`Error::Unavailable`] (transient); a wrong password is a permanent error.
    pub async fn open(config: RedisConfig) -> Result<Self> {
        if config.prefix.len() >= MAX_BULK_SIZE {
            return Err(Error::config("the redis key prefix is longer than 512 MiB"));
        }
        let info = connection_info(&config)?;
        let client = redis::Client::open(info).map_err(|err| {
            Error::config(format!("redis connection settings are invalid: {err}"))
        })?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.response_timeout))
            // One attempt per reconnection: a call never waits through a series of backoffs,
            // and the next call starts a fresh attempt.
            .set_number_of_retries(0);
        let budget = config.connect_timeout + config.response_timeout + DEADLINE_MARGIN;
        // Any time-out while opening means no connection could be made: Unavailable.
        let no_connection = || Error::Unavailable {
            backend: BACKEND,
            operation: Operation::Open,
            never_sent: true,
            message: format!(
                "no connection to {} within {:?}",
                config.address, config.connect_timeout
            ),
            source: None,
        };
        let manager = tokio::time::timeout(
            budget,
            ConnectionManager::new_with_config(client, manager_config),
        )
        .await
        .map_err(|_| no_connection())?
        .map_err(|err| match from_redis(err, Operation::Open) {
            Error::Timeout { .. } => no_connection(),
            other => other,
        })?;
        Ok(Self {
            connection: OpenHandle::new(BACKEND, manager),
            capabilities: CAPABILITIES.with_max_key_size(MAX_BULK_SIZE - config.prefix.len()),
            prefix: config.prefix,
            budget,
            address: config.address,
            db: config.db,
        })
    }

    /// The key prefix this backend writes under (empty when none).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn connection(&self) -> Result<ConnectionManager> {
        self.connection.get()
    }

    /// The key as stored on the server.
    fn stored(&self, key: &str) -> String {
        let mut stored = String::with_capacity(self.prefix.len() + key.len());
        stored.push_str(&self.prefix);
        stored.push_str(key);
        stored
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

    /// Sends `commands` as one round trip: a single command alone (Redis runs each command
    /// atomically), several inside one MULTI/EXEC so that the whole batch is all-or-nothing.
    /// Returns one reply per command.
    async fn transaction<T: redis::FromRedisValue>(
        &self,
        operation: Operation,
        mut commands: Vec<Cmd>,
    ) -> Result<Vec<T>> {
        let mut connection = self.connection()?;
        if commands.len() == 1 {
            let command = commands.remove(0);
            let reply = self.run(operation, command.query_async(&mut connection));
            return Ok(vec![reply.await?]);
        }
        let mut pipeline = redis::pipe();
        pipeline.atomic();
        for command in commands {
            pipeline.add_command(command);
        }
        self.run(operation, pipeline.query_async(&mut connection))
            .await
    }
}

/// The redis crate's connection settings for `config`.
fn connection_info(config: &RedisConfig) -> Result<redis::ConnectionInfo> {
    let address = match &config.address {
        RedisAddress::Tcp { host, port } => ConnectionAddr::Tcp(host.clone(), *port),
        RedisAddress::Unix { path } => ConnectionAddr::Unix(path.clone()),
        RedisAddress::Tls {
            host,
            port,
            insecure,
        } => tls_address(host, *port, *insecure)?,
    };
    let mut settings = RedisConnectionInfo::default().set_db(config.db);
    if let Some(username) = &config.username {
        settings = settings.set_username(username);
    }
    if let Some(password) = &config.password {
        settings = settings.set_password(password);
    }
    let info = address
        .into_connection_info()
        .map_err(|err| Error::config(format!("redis address is invalid: {err}")))?;
    Ok(info.set_redis_settings(settings))
}

#[cfg(feature = "tls")]
fn tls_address(host: &str, port: u16, insecure: bool) -> Result<ConnectionAddr> {
    // The redis crate builds its rustls config from the process-wide crypto provider. Install
    // ring unless the application already chose one (then this returns an error we ignore).
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(ConnectionAddr::TcpTls {
        host: host.to_owned(),
        port,
        insecure,
        tls_params: None,
    })
}

#[cfg(not(feature = "tls"))]
fn tls_address(_host: &str, _port: u16, _insecure: bool) -> Result<ConnectionAddr> {
    Err(Error::config(
        "rediss:// (TLS) needs the cargo feature `tls` of kivigo-redis (`redis-tls` of kivigo), \
         which is off in this build",
    ))
}

/// `text` as a SCAN/KEYS glob that matches only itself: `*`, `?`, `[`, `]` and `\` are escaped.
pub(crate) fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[async_trait]
impl Backend for RedisBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&self.capabilities, key)?;
        let mut connection = self.connection()?;
        let mut command = redis::cmd("GET");
        command.arg(self.stored(key));
        self.run(Operation::Get, command.query_async(&mut connection))
            .await
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::Set, ttl)?;
        let mut connection = self.connection()?;
        let mut command = redis::cmd("SET");
        command.arg(self.stored(key)).arg(value);
        self.run(Operation::Set, command.query_async(&mut connection))
            .await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        let mut connection = self.connection()?;
        let mut command = redis::cmd("DEL");
        command.arg(self.stored(key));
        let removed: u64 = self
            .run(Operation::Delete, command.query_async(&mut connection))
            .await?;
        Ok(removed > 0)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut connection = self.connection()?;
        let pattern = format!("{}*", escape_glob(&self.stored(prefix)));
        let mut found = BTreeSet::new();
        let mut cursor: u64 = 0;
        loop {
            let mut command = redis::cmd("SCAN");
            command
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT);
            let (next, keys): (u64, Vec<Vec<u8>>) = self
                .run(Operation::List, command.query_async(&mut connection))
                .await?;
            for stored in keys {
                let Some(key) = stored.strip_prefix(self.prefix.as_bytes()) else {
                    continue;
                };
                let key = String::from_utf8(key.to_vec())
                    .map_err(|_| Error::foreign_key(BACKEND, Operation::List, &stored))?;
                found.insert(key);
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        Ok(found.into_iter().collect())
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&self.capabilities, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        self.connection()?;
        let distinct: Vec<&String> = unique(keys).collect();
        let commands = distinct
            .chunks(CHUNK_KEYS)
            .map(|chunk| {
                let mut command = redis::cmd("MGET");
                for key in chunk {
                    command.arg(self.stored(key));
                }
                command
            })
            .collect();
        let replies: Vec<Vec<Option<Vec<u8>>>> =
            self.transaction(Operation::BatchGet, commands).await?;
        let mut found = HashMap::with_capacity(distinct.len());
        for (key, value) in distinct.into_iter().zip(replies.into_iter().flatten()) {
            if let Some(value) = value {
                found.insert(key.clone(), value);
            }
        }
        Ok(found)
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&self.capabilities, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        self.connection()?;
        // MSET applies its pairs in order, and the chunks run in order, so a key written twice
        // keeps its last value without de-duplicating first.
        let mut commands = Vec::with_capacity(entries.len().div_ceil(CHUNK_KEYS));
        let mut command = redis::cmd("MSET");
        let (mut keys, mut bytes) = (0, 0);
        for (key, value) in entries {
            let weight = self.prefix.len() + key.len() + value.len();
            if keys == CHUNK_KEYS || (keys > 0 && bytes + weight > CHUNK_BYTES) {
                commands.push(std::mem::replace(&mut command, redis::cmd("MSET")));
                (keys, bytes) = (0, 0);
            }
            command.arg(self.stored(key)).arg(value.as_slice());
            keys += 1;
            bytes += weight;
        }
        commands.push(command);
        let _: Vec<()> = self.transaction(Operation::BatchSet, commands).await?;
        Ok(())
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&self.capabilities, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        self.connection()?;
        // A key named twice would be counted once by Redis within one UNLINK, but twice across
        // chunks; de-duplicating first makes the count exact either way.
        let distinct: Vec<&String> = unique(keys).collect();
        let commands = distinct
            .chunks(CHUNK_KEYS)
            .map(|chunk| {
                let mut command = redis::cmd("UNLINK");
                for key in chunk {
                    command.arg(self.stored(key));
                }
                command
            })
            .collect();
        let counts: Vec<u64> = self.transaction(Operation::BatchDelete, commands).await?;
        Ok(counts.into_iter().sum())
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(BACKEND, Operation::Ttl))
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_ttl(&self.capabilities, Operation::Expire, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::Expire))
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::SetIfAbsent, ttl)?;
        Err(Error::unsupported(BACKEND, Operation::SetIfAbsent))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        _expected: Option<&[u8]>,
        _new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(BACKEND, Operation::CompareAndSwap))
    }

    async fn increment(&self, key: &str, _delta: i64) -> Result<i64> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(BACKEND, Operation::Increment))
    }

    async fn scan(&self, _prefix: &str, _cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        Err(Error::unsupported(BACKEND, Operation::Scan))
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&self.capabilities, ops)?;
        Err(Error::unsupported(BACKEND, Operation::BatchWrite))
    }

    async fn health(&self) -> Result<()> {
        let mut connection = self.connection()?;
        let reply: String = self
            .run(
                Operation::Health,
                redis::cmd("PING").query_async(&mut connection),
            )
            .await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(escape_glob("plain:"), "plain:");
        assert_eq!(escape_glob(r"a*b?c[d]e\f"), r"a\*b\?c\[d\]e\\f");
        assert_eq!(escape_glob("p_%!.^$(|){1}+"), "p_%!.^$(|){1}+");
    }

    #[cfg(not(feature = "tls"))]
    #[tokio::test]
    async fn tls_without_the_feature_is_a_config_error_naming_it() {
        let url = kivigo_core::BackendUrl::parse("rediss://127.0.0.1:1/0").expect("url");
        match crate::open_url(&url).await {
            Err(Error::Config(message)) => assert!(message.contains("redis-tls"), "{message}"),
            other => panic!("expected a config error, got {other:?}"),
        }
    }
}
