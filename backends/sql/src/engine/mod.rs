//! What differs between the engines: SQL dialect, limits and how to connect. Each engine's file
//! holds its own; [`crate::store`] runs the same operations on all of them.

#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

use kivigo_core::{Capabilities, Entry};
use sqlx::{Encode, QueryBuilder, Type};

use crate::config::Engine;

/// Largest key on every engine, in bytes. One limit for all three, so that a key valid on SQLite
/// in development stays valid on MySQL in production. It fits MySQL's `VARBINARY(1024)` primary
/// key and PostgreSQL's B-tree entry limit (about 2,700 bytes).
pub(crate) const MAX_KEY_SIZE: usize = 1024;

/// Bytes of keys and values one multi-row statement carries at most (a larger single value goes
/// alone), so that a batch of large values never builds one enormous statement.
pub(crate) const STATEMENT_BYTES: usize = 4 << 20;

/// One engine's SQL and limits.
pub(crate) trait Dialect: Send + Sync + 'static {
    /// The sqlx database type.
    type Db: sqlx::Database;

    /// Which engine this is.
    const ENGINE: Engine;

    /// Most bind parameters one statement may carry.
    const MAX_PARAMS: usize;

    /// Quotes an identifier that [`crate::table::check_table_name`] accepted.
    fn quote(ident: &str) -> String;

    /// The `n`-th bind parameter (1-based) in this dialect.
    fn param(n: usize) -> String;

    /// `CREATE TABLE IF NOT EXISTS` for the quoted table name.
    fn create_table(table: &str) -> String;

    /// What follows `INSERT ... VALUES (...), (...)` to turn it into an upsert.
    fn upsert_clause() -> String;

    /// Rows changed by a statement.
    fn rows_affected(result: &<Self::Db as sqlx::Database>::QueryResult) -> u64;

    /// Most rows one batch upsert carries (two parameters a row by default).
    const ROWS_PER_UPSERT: usize = Self::MAX_PARAMS / 2;

    /// Most keys one batch read or delete carries (one parameter a key by default).
    const KEYS_PER_STATEMENT: usize = Self::MAX_PARAMS;

    /// One multi-row upsert: `INSERT ... VALUES (?, ?), (?, ?) ... <upsert clause>`.
    fn upsert_many(sql: &Statements, rows: &[&Entry]) -> QueryBuilder<Self::Db>
    where
        for<'a> &'a [u8]: Encode<'a, Self::Db> + Type<Self::Db>,
    {
        let mut query = QueryBuilder::new(sql.insert_head.as_str());
        query.push_values(rows, |mut row, (key, value)| {
            row.push_bind(key.as_bytes()).push_bind(value.as_slice());
        });
        query.push(sql.upsert_clause.as_str());
        query
    }

    /// `head` (a statement ending in `WHERE key`) completed with ` IN (?, ?, ...)`.
    fn where_keys_in(head: &str, keys: &[&String]) -> QueryBuilder<Self::Db>
    where
        for<'a> &'a [u8]: Encode<'a, Self::Db> + Type<Self::Db>,
    {
        let mut query = QueryBuilder::new(head);
        query.push(" IN (");
        let mut list = query.separated(", ");
        for key in keys {
            list.push_bind(key.as_bytes());
        }
        query.push(")");
        query
    }
}

/// The capabilities every SQL engine shares; the value-size limit differs per engine.
pub(crate) const fn capabilities(engine: Engine, max_value_size: usize) -> Capabilities {
    let name = match engine {
        Engine::Postgres => "postgres",
        Engine::MySql => "mysql",
        Engine::Sqlite => "sqlite",
    };
    Capabilities::new(name)
        .with_list(true)
        .with_native_batch(true)
        .with_atomic_batch(kivigo_core::Atomicity::Whole)
        .with_max_key_size(MAX_KEY_SIZE)
        .with_max_value_size(max_value_size)
}

/// The fixed statements of one table, built once when the store opens.
#[derive(Debug)]
pub(crate) struct Statements {
    pub get: String,
    pub set: String,
    pub delete: String,
    pub list_all: String,
    pub list_from: String,
    pub list_range: String,
    /// `INSERT INTO t (key, value) `, followed by `VALUES` rows and the upsert clause.
    pub insert_head: String,
    pub upsert_clause: String,
    /// `SELECT key, value FROM t WHERE key`, completed by [`Dialect::where_keys_in`].
    pub select_where: String,
    /// `DELETE FROM t WHERE key`, completed by [`Dialect::where_keys_in`].
    pub delete_where: String,
}

impl Statements {
    pub(crate) fn new<D: Dialect>(table: &str) -> Self {
        let t = D::quote(table);
        let k = D::quote("key");
        let v = D::quote("value");
        let p = D::param;
        let insert_head = format!("INSERT INTO {t} ({k}, {v}) ");
        Self {
            get: format!("SELECT {v} FROM {t} WHERE {k} = {}", p(1)),
            set: format!(
                "{insert_head}VALUES ({}, {}){}",
                p(1),
                p(2),
                D::upsert_clause()
            ),
            delete: format!("DELETE FROM {t} WHERE {k} = {}", p(1)),
            list_all: format!("SELECT {k} FROM {t} ORDER BY {k}"),
            list_from: format!("SELECT {k} FROM {t} WHERE {k} >= {} ORDER BY {k}", p(1)),
            list_range: format!(
                "SELECT {k} FROM {t} WHERE {k} >= {} AND {k} < {} ORDER BY {k}",
                p(1),
                p(2)
            ),
            insert_head,
            upsert_clause: D::upsert_clause(),
            select_where: format!("SELECT {k}, {v} FROM {t} WHERE {k}"),
            delete_where: format!("DELETE FROM {t} WHERE {k}"),
        }
    }
}

/// The pool settings every engine shares.
pub(crate) fn pool_options<DB: sqlx::Database>(
    config: &crate::SqlConfig,
) -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout)
}

/// A driver URL sqlx refused, as a config error that does not repeat the URL (it may hold a
/// password).
pub(crate) fn bad_url(engine: Engine, err: sqlx::Error) -> kivigo_core::Error {
    kivigo_core::Error::config(format!("invalid {} URL: {err}", engine.name()))
}
