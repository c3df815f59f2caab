//! The operations, written once for every engine: a pool, the table's statements, and chunking.

use std::collections::HashMap;
use std::sync::Arc;

use kivigo_core::backend::chunks;
use kivigo_core::{Entry, Error, Operation, Result};
use sqlx::{
    AssertSqlSafe, ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool,
    QueryBuilder, Row, Type,
};

use crate::chunks::successor;
use crate::engine::{Dialect, Statements};
use crate::error::from_sqlx;

/// A pool for one engine and the statements of one table. Cheap to clone.
pub(crate) struct Store<D: Dialect> {
    pool: Pool<D::Db>,
    sql: Arc<Statements>,
    statement_bytes: usize,
}

impl<D: Dialect> Clone for Store<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            sql: self.sql.clone(),
            statement_bytes: self.statement_bytes,
        }
    }
}

/// Maps the sqlx errors of `operation`.
fn err<D: Dialect>(operation: Operation) -> impl Fn(sqlx::Error) -> Error {
    move |e| from_sqlx(D::ENGINE, operation, e)
}

impl<D: Dialect> Store<D>
where
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'a> &'a [u8]: Encode<'a, D::Db> + Type<D::Db>,
    for<'r> Vec<u8>: Decode<'r, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db>,
{
    /// Creates the table when it is absent and prepares the statements.
    pub(crate) async fn new(
        pool: Pool<D::Db>,
        table: &str,
        statement_bytes: usize,
    ) -> Result<Self> {
        let create = D::create_table(&D::quote(table));
        // Two processes creating the same table at once can collide in the catalog (PostgreSQL
        // reports a unique violation); the second attempt then sees the table.
        if sqlx::query(AssertSqlSafe(create.as_str()))
            .execute(&pool)
            .await
            .is_err()
        {
            sqlx::query(AssertSqlSafe(create))
                .execute(&pool)
                .await
                .map_err(err::<D>(Operation::Open))?;
        }
        Ok(Self {
            pool,
            sql: Arc::new(Statements::new::<D>(table)),
            statement_bytes,
        })
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query(AssertSqlSafe(self.sql.get.as_str()))
            .bind(key.as_bytes())
            .fetch_optional(&self.pool)
            .await
            .map_err(err::<D>(Operation::Get))?;
        row.map(|row| {
            row.try_get::<Vec<u8>, _>(0)
                .map_err(err::<D>(Operation::Get))
        })
        .transpose()
    }

    pub(crate) async fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        sqlx::query(AssertSqlSafe(self.sql.set.as_str()))
            .bind(key.as_bytes())
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(err::<D>(Operation::Set))?;
        Ok(())
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<bool> {
        let done = sqlx::query(AssertSqlSafe(self.sql.delete.as_str()))
            .bind(key.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(err::<D>(Operation::Delete))?;
        Ok(D::rows_affected(&done) > 0)
    }

    /// A range scan on the primary key: `key >= prefix AND key < successor(prefix)`.
    pub(crate) async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let start = prefix.as_bytes();
        let end = successor(start);
        let query = if start.is_empty() {
            sqlx::query(AssertSqlSafe(self.sql.list_all.as_str()))
        } else if let Some(end) = &end {
            sqlx::query(AssertSqlSafe(self.sql.list_range.as_str()))
                .bind(start)
                .bind(end.as_slice())
        } else {
            sqlx::query(AssertSqlSafe(self.sql.list_from.as_str())).bind(start)
        };
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(err::<D>(Operation::List))?;
        rows.iter()
            .map(|row| key_of::<D>(Operation::List, row))
            .collect()
    }

    pub(crate) async fn batch_get(&self, keys: &[&String]) -> Result<HashMap<String, Vec<u8>>> {
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in chunks(keys, D::KEYS_PER_STATEMENT, self.statement_bytes, |k| {
            k.len()
        }) {
            let mut query = D::where_keys_in(&self.sql.select_where, chunk);
            let rows = query
                .build()
                .fetch_all(&self.pool)
                .await
                .map_err(err::<D>(Operation::BatchGet))?;
            for row in &rows {
                let value = row
                    .try_get::<Vec<u8>, _>(1)
                    .map_err(err::<D>(Operation::BatchGet))?;
                found.insert(key_of::<D>(Operation::BatchGet, row)?, value);
            }
        }
        Ok(found)
    }

    /// Multi-row upserts, sorted by key (concurrent batches then lock rows in the same order),
    /// in one transaction when they need more than one statement.
    pub(crate) async fn batch_set(&self, entries: &mut [&Entry]) -> Result<()> {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let runs = chunks(entries, D::ROWS_PER_UPSERT, self.statement_bytes, |e| {
            e.0.len() + e.1.len()
        });
        let queries: Vec<QueryBuilder<D::Db>> = runs
            .into_iter()
            .map(|run| D::upsert_many(&self.sql, run))
            .collect();
        self.execute_atomically(Operation::BatchSet, queries)
            .await?;
        Ok(())
    }

    /// Chunked `DELETE ... IN`, in one transaction when it needs more than one statement.
    /// `keys` must be distinct, so the count is the number of keys that existed.
    pub(crate) async fn batch_delete(&self, keys: &mut [&String]) -> Result<u64> {
        keys.sort_unstable();
        let queries: Vec<QueryBuilder<D::Db>> =
            chunks(keys, D::KEYS_PER_STATEMENT, self.statement_bytes, |k| {
                k.len()
            })
            .into_iter()
            .map(|chunk| D::where_keys_in(&self.sql.delete_where, chunk))
            .collect();
        self.execute_atomically(Operation::BatchDelete, queries)
            .await
    }

    /// Runs the statements all-or-nothing and returns the rows they changed. One statement is
    /// atomic by itself, so it goes alone (no BEGIN/COMMIT round trips); more run in a
    /// transaction.
    async fn execute_atomically(
        &self,
        operation: Operation,
        mut queries: Vec<QueryBuilder<D::Db>>,
    ) -> Result<u64> {
        if let [only] = queries.as_mut_slice() {
            let done = only
                .build()
                .execute(&self.pool)
                .await
                .map_err(err::<D>(operation))?;
            return Ok(D::rows_affected(&done));
        }
        let mut tx = self.pool.begin().await.map_err(err::<D>(operation))?;
        let mut changed = 0;
        for query in &mut queries {
            let done = query
                .build()
                .execute(&mut *tx)
                .await
                .map_err(err::<D>(operation))?;
            changed += D::rows_affected(&done);
        }
        tx.commit().await.map_err(err::<D>(operation))?;
        Ok(changed)
    }

    pub(crate) async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(err::<D>(Operation::Health))?;
        Ok(())
    }

    /// Drops the table and everything in it.
    pub(crate) async fn drop_table(&self, table: &str) -> Result<()> {
        let sql = format!("DROP TABLE IF EXISTS {}", D::quote(table));
        sqlx::query(AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .map_err(err::<D>(Operation::Close))?;
        Ok(())
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// The key column of a row, as the UTF-8 string kivigo wrote.
fn key_of<D: Dialect>(operation: Operation, row: &<D::Db as Database>::Row) -> Result<String>
where
    for<'r> Vec<u8>: Decode<'r, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    let bytes = row.try_get::<Vec<u8>, _>(0).map_err(err::<D>(operation))?;
    String::from_utf8(bytes)
        .map_err(|e| Error::foreign_key(D::ENGINE.name(), operation, e.as_bytes()))
}
