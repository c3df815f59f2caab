//! PostgreSQL: keys in a `BYTEA` primary key (compared byte by byte), values in `BYTEA`.

use std::str::FromStr;

use kivigo_core::{Entry, Result};
use sqlx::QueryBuilder;
use sqlx::postgres::{PgConnectOptions, PgPool, PgQueryResult};

use super::{Dialect, Statements, bad_url, pool_options};
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

    /// `INSERT ... SELECT * FROM UNNEST($1::bytea[], $2::bytea[])`: one statement text whatever
    /// the batch size (prepared once per connection) and two parameters, which PostgreSQL binds
    /// and plans faster than a `VALUES` list. Chunks keep the same row count as a `VALUES` list
    /// would have (32,767), so a batch splits the same way on every engine.
    fn upsert_many(sql: &Statements, rows: &[&Entry]) -> QueryBuilder<sqlx::Postgres> {
        let keys: Vec<&[u8]> = rows.iter().map(|(k, _)| k.as_bytes()).collect();
        let values: Vec<&[u8]> = rows.iter().map(|(_, v)| v.as_slice()).collect();
        let mut query = QueryBuilder::new(sql.insert_head.as_str());
        query.push("SELECT * FROM UNNEST(");
        query.push_bind(keys);
        query.push("::bytea[], ");
        query.push_bind(values);
        query.push("::bytea[])");
        query.push(sql.upsert_clause.as_str());
        query
    }

    /// `WHERE key = ANY($1::bytea[])`: one parameter whatever the number of keys.
    fn where_keys_in(head: &str, keys: &[&String]) -> QueryBuilder<sqlx::Postgres> {
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
        let mut query = QueryBuilder::new(head);
        query.push(" = ANY(");
        query.push_bind(keys);
        query.push("::bytea[])");
        query
    }
}

/// Opens the pool (one connection at least, so a server that is down fails here).
pub(crate) async fn connect(config: &SqlConfig) -> Result<PgPool> {
    let options =
        PgConnectOptions::from_str(&config.url).map_err(|e| bad_url(Engine::Postgres, e))?;
    pool_options(config)
        .connect_with(options)
        .await
        .map_err(|e| from_sqlx(Engine::Postgres, kivigo_core::Operation::Open, e))
}
