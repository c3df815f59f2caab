//! The SQL backend: one type for the three engines, dispatching to the engine's [`Store`].

use std::collections::HashMap;

use std::time::Duration;

use kivigo_core::backend::{OpenHandle, last_write_wins, unique, validate};
use kivigo_core::{
    Backend, Capabilities, Entry, Error, KeyTtl, Operation, Result, ScanPage, WriteOp, async_trait,
};

use crate::config::{Engine, SqlConfig};
use crate::engine::capabilities;
#[cfg(feature = "mysql")]
use crate::engine::mysql::{self, MySql};
#[cfg(feature = "postgres")]
use crate::engine::postgres::{self, Pg};
#[cfg(feature = "sqlite")]
use crate::engine::sqlite::{self, Sqlite};
#[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
use crate::store::Store;

/// The open store of whichever engine the URL named.
#[derive(Clone)]
enum AnyStore {
    #[cfg(feature = "postgres")]
    Postgres(Store<Pg>),
    #[cfg(feature = "mysql")]
    MySql(Store<MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Store<Sqlite>),
}

/// Runs `$body` with `$store` bound to the engine's store.
macro_rules! on_store {
    ($any:expr, $store:ident => $body:expr) => {
        match $any {
            #[cfg(feature = "postgres")]
            AnyStore::Postgres($store) => $body,
            #[cfg(feature = "mysql")]
            AnyStore::MySql($store) => $body,
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite($store) => $body,
        }
    };
}

/// A key-value store in one table of a PostgreSQL, MySQL/MariaDB or SQLite database.
///
/// Build it with [`SqlBackend::open`] or through `kivigo::open("postgres://...")`. The table is
/// created when absent; see the crate documentation for its schema on each engine.
pub struct SqlBackend {
    store: OpenHandle<AnyStore>,
    capabilities: Capabilities,
    engine: Engine,
    table: String,
}

impl std::fmt::Debug for SqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlBackend")
            .field("engine", &self.engine)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl SqlBackend {
    /// Connects, creates the table when it is absent, and returns the backend.
    ///
    /// The table name and options are checked first: a bad one is `Error::Config` before any
    /// connection. A server that does not answer within `acquire_timeout` is `Unavailable`.
    pub async fn open(config: SqlConfig) -> Result<Self> {
        config.validate()?;
        let engine = config.engine()?;
        let table = config.table.clone();
        let (store, max_value_size) = match engine {
            #[cfg(feature = "postgres")]
            Engine::Postgres => {
                let pool = postgres::connect(&config).await?;
                let store = Store::<Pg>::new(pool, &table, crate::engine::STATEMENT_BYTES).await?;
                (AnyStore::Postgres(store), postgres::MAX_VALUE_SIZE)
            }
            #[cfg(feature = "mysql")]
            Engine::MySql => {
                let pool = mysql::connect(&config).await?;
                let (max_value, statement_bytes) = mysql::limits(&pool).await?;
                let store = Store::<MySql>::new(pool, &table, statement_bytes).await?;
                (AnyStore::MySql(store), max_value)
            }
            #[cfg(feature = "sqlite")]
            Engine::Sqlite => {
                let pool = sqlite::connect(&config).await?;
                let store =
                    Store::<Sqlite>::new(pool, &table, crate::engine::STATEMENT_BYTES).await?;
                (AnyStore::Sqlite(store), sqlite::MAX_VALUE_SIZE)
            }
            #[allow(unreachable_patterns)]
            other => {
                return Err(Error::config(format!(
                    "the {} engine needs kivigo-sql's cargo feature `{}`, which is off",
                    other.name(),
                    other.name()
                )));
            }
        };
        Ok(Self {
            store: OpenHandle::new(engine.name(), store),
            capabilities: capabilities(engine, max_value_size),
            engine,
            table,
        })
    }

    /// The engine this backend talks to.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The table holding the keys.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Drops the table and every key in it. Meant for tests and teardown; the backend stays
    /// open, and writing again fails because the table is gone.
    pub async fn drop_table(&self) -> Result<()> {
        on_store!(self.store.get()?, store => store.drop_table(&self.table).await)
    }
}

#[async_trait]
impl Backend for SqlBackend {
    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        validate::check_key(&self.capabilities, key)?;
        on_store!(self.store.get()?, store => store.get(key).await)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::Set, ttl)?;
        on_store!(self.store.get()?, store => store.set(key, value).await)
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        on_store!(self.store.get()?, store => store.delete(key).await)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        on_store!(self.store.get()?, store => store.list(prefix).await)
    }

    async fn batch_get(&self, keys: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        validate::check_keys(&self.capabilities, keys)?;
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let distinct: Vec<&String> = unique(keys).collect();
        on_store!(self.store.get()?, store => store.batch_get(&distinct).await)
    }

    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&self.capabilities, entries, ttl)?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut kept = last_write_wins(entries);
        on_store!(self.store.get()?, store => store.batch_set(&mut kept).await)
    }

    async fn batch_delete(&self, keys: &[String]) -> Result<u64> {
        validate::check_keys(&self.capabilities, keys)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let mut distinct: Vec<&String> = unique(keys).collect();
        on_store!(self.store.get()?, store => store.batch_delete(&mut distinct).await)
    }

    async fn ttl(&self, key: &str) -> Result<KeyTtl> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(self.engine.name(), Operation::Ttl))
    }

    async fn expire(&self, key: &str, ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_ttl(&self.capabilities, Operation::Expire, ttl)?;
        Err(Error::unsupported(self.engine.name(), Operation::Expire))
    }

    async fn set_if_absent(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        validate::check_value(&self.capabilities, key, value)?;
        validate::check_ttl(&self.capabilities, Operation::SetIfAbsent, ttl)?;
        Err(Error::unsupported(
            self.engine.name(),
            Operation::SetIfAbsent,
        ))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        _expected: Option<&[u8]>,
        _new: Option<&[u8]>,
    ) -> Result<bool> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(
            self.engine.name(),
            Operation::CompareAndSwap,
        ))
    }

    async fn increment(&self, key: &str, _delta: i64) -> Result<i64> {
        validate::check_key(&self.capabilities, key)?;
        Err(Error::unsupported(self.engine.name(), Operation::Increment))
    }

    async fn scan(&self, _prefix: &str, _cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        validate::check_scan(limit)?;
        Err(Error::unsupported(self.engine.name(), Operation::Scan))
    }

    async fn batch_write(&self, ops: &[WriteOp]) -> Result<()> {
        validate::check_ops(&self.capabilities, ops)?;
        Err(Error::unsupported(
            self.engine.name(),
            Operation::BatchWrite,
        ))
    }

    async fn health(&self) -> Result<()> {
        on_store!(self.store.get()?, store => store.health().await)
    }

    async fn close(&self) -> Result<()> {
        if let Some(store) = self.store.take() {
            on_store!(store, store => store.close().await);
        }
        Ok(())
    }
}
