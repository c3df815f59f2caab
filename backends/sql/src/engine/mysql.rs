//! MySQL and MariaDB: keys in a `VARBINARY(1024)` primary key (binary, so `K1` and `k1` are two
//! keys whatever the server's collation), values in `LONGBLOB`, InnoDB for transactions.

use std::str::FromStr;

use kivigo_core::Result;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlQueryResult};

use super::{Dialect, MAX_KEY_SIZE, STATEMENT_BYTES, bad_url, pool_options};
use crate::config::{Engine, SqlConfig};
use crate::error::from_sqlx;

/// The MySQL / MariaDB dialect.
pub(crate) struct MySql;

impl Dialect for MySql {
    type Db = sqlx::MySql;
    const ENGINE: Engine = Engine::MySql;
    /// Prepared statements count placeholders in 16 bits.
    const MAX_PARAMS: usize = 65_535;

    fn quote(ident: &str) -> String {
        format!("`{ident}`")
    }

    fn param(_: usize) -> String {
        "?".to_owned()
    }

    fn create_table(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (`key` VARBINARY({MAX_KEY_SIZE}) NOT NULL \
             PRIMARY KEY, `value` LONGBLOB NOT NULL) ENGINE=InnoDB"
        )
    }

    fn upsert_clause() -> String {
        // `VALUES(col)` is understood by MariaDB and every MySQL version (deprecated but kept in
        // MySQL 8); the row alias syntax is MySQL-only.
        " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)".to_owned()
    }

    fn rows_affected(result: &MySqlQueryResult) -> u64 {
        result.rows_affected()
    }
}

/// Opens the pool (one connection at least, so a server that is down fails here).
pub(crate) async fn connect(config: &SqlConfig) -> Result<MySqlPool> {
    let options =
        MySqlConnectOptions::from_str(&config.url).map_err(|e| bad_url(Engine::MySql, e))?;
    pool_options(config)
        .connect_with(options)
        .await
        .map_err(|e| from_sqlx(Engine::MySql, kivigo_core::Operation::Open, e))
}

/// The server's `max_allowed_packet` bounds one statement: the largest value is what fits in a
/// packet next to the longest key, and a multi-row statement stays within half a packet.
/// Returns `(max_value_size, statement_bytes)`.
pub(crate) async fn limits(pool: &MySqlPool) -> Result<(usize, usize)> {
    let packet: i64 = sqlx::query_scalar("SELECT CAST(@@max_allowed_packet AS SIGNED)")
        .fetch_one(pool)
        .await
        .map_err(|e| from_sqlx(Engine::MySql, kivigo_core::Operation::Open, e))?;
    let packet = usize::try_from(packet).unwrap_or(1 << 20);
    let max_value = packet.saturating_sub(MAX_KEY_SIZE + 4096).max(1);
    Ok((max_value, STATEMENT_BYTES.min(packet / 2).max(1)))
}
