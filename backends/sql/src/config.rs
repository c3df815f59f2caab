//! Configuration of the SQL backends, from code, serde or a `postgres://`, `mysql://` or
//! `sqlite://` URL.

use std::time::Duration;

use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

use crate::table::{DEFAULT_TABLE, check_table_name};

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Engine {
    /// PostgreSQL (`postgres://`, `postgresql://`), cargo feature `postgres`.
    Postgres,
    /// MySQL or MariaDB (`mysql://`), cargo feature `mysql`.
    MySql,
    /// SQLite (`sqlite://path`, `sqlite://:memory:`), cargo feature `sqlite`.
    Sqlite,
}

impl Engine {
    /// The engine a URL scheme names, if any.
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Some(Engine::Postgres),
            "mysql" => Some(Engine::MySql),
            "sqlite" => Some(Engine::Sqlite),
            _ => None,
        }
    }

    /// The backend name used in capabilities and errors: `postgres`, `mysql` or `sqlite`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::MySql => "mysql",
            Engine::Sqlite => "sqlite",
        }
    }
}

/// SQLite's journal mode (`PRAGMA journal_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalMode {
    /// Write-ahead log (the default): readers do not block the writer.
    #[default]
    Wal,
    /// Rollback journal, deleted after each transaction.
    Delete,
    /// Rollback journal, truncated after each transaction.
    Truncate,
}

/// SQLite's `PRAGMA synchronous`: how often it waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Synchronous {
    /// Never `fsync`: fastest, and an OS crash or power loss can corrupt the file.
    Off,
    /// With WAL, `fsync` at checkpoints only: always consistent, but the last commits can be lost
    /// on power loss.
    Normal,
    /// `fsync` at every commit (the default): a write that returned survives a power loss.
    #[default]
    Full,
}

/// Everything needed to open a SQL store.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlConfig {
    /// The driver URL without kivigo's options: `postgres://user:pw@host:5432/db`,
    /// `mysql://user@host:3306/db`, `sqlite://path/to/file.db` or `sqlite://:memory:`.
    /// It may hold a password; `Debug` never shows it.
    pub url: String,
    /// The table holding the keys, created when absent (default `kivigo_kv`). Must be a plain
    /// identifier (`[A-Za-z_][A-Za-z0-9_]{0,62}`).
    #[serde(default = "default_table")]
    pub table: String,
    /// Most connections the pool opens (default 10; an in-memory SQLite database always uses 1).
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// How long an operation waits for a connection before failing with `Unavailable`
    /// (default 10 s). It also bounds how long `open` keeps trying a server that is down.
    #[serde(default = "default_acquire_timeout", with = "humantime_serde")]
    pub acquire_timeout: Duration,
    /// SQLite journal mode (ignored by the other engines).
    #[serde(default)]
    pub journal_mode: JournalMode,
    /// SQLite synchronous setting (ignored by the other engines).
    #[serde(default)]
    pub synchronous: Synchronous,
}

impl std::fmt::Debug for SqlConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = BackendUrl::parse(&self.url).map_or_else(|_| "***".to_owned(), |u| u.to_string());
        f.debug_struct("SqlConfig")
            .field("url", &url)
            .field("table", &self.table)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("journal_mode", &self.journal_mode)
            .field("synchronous", &self.synchronous)
            .finish()
    }
}

fn default_table() -> String {
    DEFAULT_TABLE.to_owned()
}

fn default_max_connections() -> u32 {
    10
}

fn default_acquire_timeout() -> Duration {
    Duration::from_secs(10)
}

/// The kivigo options a SQL URL may carry; everything else in the query string is refused.
const OPTIONS: &[&str] = &[
    "table",
    "max_connections",
    "acquire_timeout",
    "journal_mode",
    "synchronous",
];

impl SqlConfig {
    /// A store at `url` with the default table, pool and SQLite settings.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            table: default_table(),
            max_connections: default_max_connections(),
            acquire_timeout: default_acquire_timeout(),
            journal_mode: JournalMode::default(),
            synchronous: Synchronous::default(),
        }
    }

    /// Uses `table` instead of `kivigo_kv`.
    pub fn with_table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// Reads `SCHEME://...?table=NAME&max_connections=N&acquire_timeout=DURATION`, plus
    /// `journal_mode=wal|delete|truncate` and `synchronous=off|normal|full` for SQLite.
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        let engine = Engine::from_scheme(url.scheme()).ok_or_else(|| {
            Error::config(format!(
                "`{url}` is not a SQL URL: use postgres://, postgresql://, mysql:// or sqlite://"
            ))
        })?;
        let mut options = url.options(engine.name());
        let mut config = Self::new(url.expose_without(OPTIONS));
        if let Some(table) = options.take::<String>("table")? {
            config.table = table;
        }
        if let Some(max) = options.take_with("max_connections", parse_pool_size)? {
            config.max_connections = max;
        }
        if let Some(timeout) = options.take_duration("acquire_timeout")? {
            config.acquire_timeout = timeout;
        }
        if engine == Engine::Sqlite {
            if let Some(mode) = options.take_with("journal_mode", parse_journal_mode)? {
                config.journal_mode = mode;
            }
            if let Some(sync) = options.take_with("synchronous", parse_synchronous)? {
                config.synchronous = sync;
            }
        }
        options.finish()?;
        config.validate()?;
        Ok(config)
    }

    /// The engine named by the URL's scheme.
    pub fn engine(&self) -> Result<Engine> {
        let scheme = self.url.split_once(':').map_or("", |(s, _)| s);
        Engine::from_scheme(scheme).ok_or_else(|| {
            Error::config("a SQL URL starts with postgres://, postgresql://, mysql:// or sqlite://")
        })
    }

    /// Checks everything that can be checked without a connection.
    pub fn validate(&self) -> Result<()> {
        self.engine()?;
        check_table_name(&self.table)?;
        if self.max_connections == 0 {
            return Err(Error::config("max_connections must be at least 1"));
        }
        if self.acquire_timeout.is_zero() {
            return Err(Error::config("acquire_timeout must be longer than zero"));
        }
        Ok(())
    }
}

fn parse_pool_size(raw: &str) -> std::result::Result<u32, String> {
    match raw.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a number of connections, at least 1".to_owned()),
    }
}

fn parse_journal_mode(raw: &str) -> std::result::Result<JournalMode, String> {
    match raw.to_ascii_lowercase().as_str() {
        "wal" => Ok(JournalMode::Wal),
        "delete" => Ok(JournalMode::Delete),
        "truncate" => Ok(JournalMode::Truncate),
        _ => Err("expected wal, delete or truncate".to_owned()),
    }
}

fn parse_synchronous(raw: &str) -> std::result::Result<Synchronous, String> {
    match raw.to_ascii_lowercase().as_str() {
        "off" => Ok(Synchronous::Off),
        "normal" => Ok(Synchronous::Normal),
        "full" => Ok(Synchronous::Full),
        _ => Err("expected off, normal or full".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<SqlConfig> {
        SqlConfig::from_url(&BackendUrl::parse(url)?)
    }

    #[test]
    fn reads_options_and_strips_them_from_the_driver_url() {
        let config = parse(
            "postgres://u:pw@127.0.0.1:5432/db?table=app_kv&max_connections=4&acquire_timeout=2s",
        )
        .expect("ok");
        assert_eq!(config.url, "postgres://u:pw@127.0.0.1:5432/db");
        assert_eq!(config.table, "app_kv");
        assert_eq!(config.max_connections, 4);
        assert_eq!(config.acquire_timeout, Duration::from_secs(2));
        assert_eq!(config.engine().expect("engine"), Engine::Postgres);
        let sqlite = parse("sqlite://./kv.db?journal_mode=delete&synchronous=normal").expect("ok");
        assert_eq!(sqlite.url, "sqlite://./kv.db");
        assert_eq!(sqlite.table, "kivigo_kv");
        assert_eq!(sqlite.journal_mode, JournalMode::Delete);
        assert_eq!(sqlite.synchronous, Synchronous::Normal);
    }

    #[test]
    fn refuses_bad_tables_unknown_options_and_sqlite_options_elsewhere() {
        let err = parse("mysql://root@h/db?table=kv%3B%20DROP%20TABLE%20x").expect_err("unsafe");
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(parse("mysql://root@h/db?tabel=kv").is_err());
        assert!(parse("mysql://root@h/db?journal_mode=wal").is_err());
        assert!(parse("postgres://h/db?max_connections=0").is_err());
        assert!(parse("postgres://h/db?acquire_timeout=soon").is_err());
        assert!(parse("redis://h").is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let config = parse("postgres://u:hunter2@h/db").expect("ok");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
