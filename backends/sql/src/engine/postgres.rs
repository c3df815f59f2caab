//! PostgreSQL: keys in a `BYTEA` primary key (compared byte by byte), values in `BYTEA`.

use std::str::FromStr;

use kivigo_core::Result;
use sqlx::postgres::{PgConnectOptions, PgPool, PgQueryResult};

use super::{Dialect, bad_url, pool_options};
use crate::config::{Engine, SqlConfig};
use crate::error::from_sqlx;

/// The PostgreSQL dialect.
pub(crate) struct Pg;

/// A `BYTEA` holds at most 1 GB; keep room for the rest of the message.
pub(crate) const MAX_VALUE_SIZE: usize = (1 << 30) - (1 << 20);

impl Dialect for Pg {
    type Db = sqlx::Postgres;
    const ENGINE: Engine = Engine::Postgres;
    /// The wire protocol counts parameters in 16 bits.
    const MAX_PARAMS: usize = 65_535;

    fn quote(ident: &str) -> String {
        format!("\"{ident}\"")
    }

    fn param(n: usize) -> String {
        format!("${n}")
    }

    fn create_table(table: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\"key\" BYTEA PRIMARY KEY, \"value\" BYTEA NOT NULL)"
        )
    }

    fn upsert_clause() -> String {
        " ON CONFLICT (\"key\") DO UPDATE SET \"value\" = EXCLUDED.\"value\"".to_owned()
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }
}

/// Opens the pool (one connection at least, so a server that is down fails here).
pub(crate) async fn connect(config: &SqlConfig) -> Result<PgPool> {
    let options =
        PgConnectOptions::from_str(&config.url).map_err(|e| bad_url(Engine::Postgres, e))?;
    pool_options(config)
        .connect_with(options)
        .await
        .map_err(|e| from_sqlx(Engine::Postgres, e))
}
