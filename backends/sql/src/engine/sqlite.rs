//! SQLite: keys in a `BLOB` primary key of a `WITHOUT ROWID` table (compared with `memcmp`, so
//! byte-exact and case-sensitive), values in `BLOB`.

use std::str::FromStr;

use kivigo_core::{BackendUrl, Error, Result};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteQueryResult, SqliteSynchronous,
};

use super::{Dialect, bad_url, pool_options};
use crate::config::{Engine, JournalMode, SqlConfig, Synchronous};
use crate::error::from_sqlx;

/// The SQLite dialect.
pub(crate) struct Sqlite;

/// SQLite's default `SQLITE_MAX_LENGTH` is 1,000,000,000 bytes per row; keep room for the key.
pub(crate) const MAX_VALUE_SIZE: usize = 999_000_000;

impl Dialect for Sqlite {
    type Db = sqlx::Sqlite;
    const ENGINE: Engine = Engine::Sqlite;
    /// `SQLITE_MAX_VARIABLE_NUMBER` since SQLite 3.32 (sqlx bundles a newer one).
    const MAX_PARAMS: usize = 32_766;

    fn quote(ident: &str) -> String {
        format!("\"{ident}\"")
    }

    fn param(_: usize) -> String {
        "?".to_owned()
    }

    fn create_table(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\"key\" BLOB NOT NULL PRIMARY KEY, \
             \"value\" BLOB NOT NULL) WITHOUT ROWID"
        )
    }

    fn upsert_clause() -> String {
        " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"".to_owned()
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }
}

/// The in-memory form: `sqlite://:memory:`.
const MEMORY: &str = ":memory:";

/// Opens the database file (created when missing) or an in-memory database.
///
/// An in-memory database lives as long as its connection, so its pool holds exactly one
/// connection that never expires.
pub(crate) async fn connect(config: &SqlConfig) -> Result<SqlitePool> {
    let path = BackendUrl::parse(&config.url)?.location();
    if path.is_empty() {
        return Err(Error::config(
            "sqlite URL needs a path or :memory:, for example sqlite://./kv.db or \
             sqlite://:memory:",
        ));
    }
    let pool = pool_options(config);
    let (options, pool) = if path == MEMORY {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| bad_url(Engine::Sqlite, e))?;
        let pool = pool
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
        (options, pool)
    } else {
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(match config.journal_mode {
                JournalMode::Wal => SqliteJournalMode::Wal,
                JournalMode::Delete => SqliteJournalMode::Delete,
                JournalMode::Truncate => SqliteJournalMode::Truncate,
            })
            .synchronous(match config.synchronous {
                Synchronous::Off => SqliteSynchronous::Off,
                Synchronous::Normal => SqliteSynchronous::Normal,
                Synchronous::Full => SqliteSynchronous::Full,
            });
        (options, pool)
    };
    pool.connect_with(options)
        .await
        .map_err(|e| from_sqlx(Engine::Sqlite, kivigo_core::Operation::Open, e))
}
