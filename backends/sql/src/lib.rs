//! SQL backends for kivigo through [sqlx](https://docs.rs/sqlx): PostgreSQL, MySQL/MariaDB and
//! SQLite, one cargo feature each (`postgres`, `mysql`, `sqlite`).
//!
//! Every engine keeps the keys in one table, created when absent:
//!
//! | engine | key column | value column |
//! |---|---|---|
//! | PostgreSQL | `"key" BYTEA PRIMARY KEY` | `"value" BYTEA NOT NULL` |
//! | MySQL / MariaDB | `` `key` VARBINARY(1024) NOT NULL PRIMARY KEY `` | `` `value` LONGBLOB NOT NULL `` (InnoDB) |
//! | SQLite | `"key" BLOB NOT NULL PRIMARY KEY` (`WITHOUT ROWID`) | `"value" BLOB NOT NULL` |
//!
//! Keys are stored as their UTF-8 bytes in a binary column, so they compare byte for byte and
//! case-sensitively on every engine whatever the server's collation. `list(prefix)` is a range
//! scan of the primary key (`key >= prefix AND key < successor(prefix)`, `ORDER BY key`): no
//! `LIKE`, so no wildcard to escape, and the index is used on every engine. Batch writes are
//! multi-row upserts (and batch deletes `DELETE ... IN`) chunked under each engine's
//! bind-parameter limit, inside one transaction: a batch is all-or-nothing.
//!
//! URLs:
//! - `postgres://user:password@host:5432/database` (or `postgresql://`)
//! - `mysql://user:password@host:3306/database` (MySQL and MariaDB)
//! - `sqlite://path/to/file.db`, `sqlite:///absolute/path.db`, `sqlite://:memory:`
//!
//! Options (query parameters): `table` (default `kivigo_kv`), `max_connections` (default 10),
//! `acquire_timeout` (default `10s`), and for SQLite `journal_mode=wal|delete|truncate` (default
//! `wal`) and `synchronous=off|normal|full` (default `full`). Any other parameter is a config
//! error.

mod backend;
mod chunks;
mod config;
mod engine;
mod error;
mod store;
mod table;

pub use backend::SqlBackend;
pub use config::{Engine, JournalMode, SqlConfig, Synchronous};
pub use table::{DEFAULT_TABLE, check_table_name};

/// Opens the store a `postgres://`, `postgresql://`, `mysql://` or `sqlite://` URL describes.
pub async fn open_url(url: &kivigo_core::BackendUrl) -> kivigo_core::Result<SqlBackend> {
    SqlBackend::open(SqlConfig::from_url(url)?).await
}
