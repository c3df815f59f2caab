//! Helpers shared by the SQL backend's own tests: raw SQL next to the backend, and the test
//! servers' URLs.
#![allow(dead_code)]

use kivigo_core::conformance::run_id;
use kivigo_sql::Engine;
use sqlx::AssertSqlSafe;

/// A table name unique to this test and this run.
pub fn table(name: &str) -> String {
    format!("kv_{}_{name}", run_id())
}

/// Runs statements on the database at `url` through a short-lived connection of its own.
pub async fn raw(url: &str, statements: &[String]) {
    let engine = kivigo_sql::SqlConfig::new(url).engine().expect("a SQL URL");
    match engine {
        #[cfg(feature = "postgres")]
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.expect("connect");
            for sql in statements {
                sqlx::query(AssertSqlSafe(sql.as_str()))
                    .execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
        #[cfg(feature = "mysql")]
        Engine::MySql => {
            let pool = sqlx::MySqlPool::connect(url).await.expect("connect");
            for sql in statements {
                sqlx::query(AssertSqlSafe(sql.as_str()))
                    .execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
        #[cfg(feature = "sqlite")]
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.expect("connect");
            for sql in statements {
                sqlx::query(AssertSqlSafe(sql.as_str()))
                    .execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
        #[allow(unreachable_patterns)]
        _ => panic!("engine {engine:?} is not compiled in"),
    }
}

/// `url` with one more query parameter, given as `name=value`.
pub fn with_option(url: &str, option: &str) -> String {
    let (name, value) = option.split_once('=').unwrap_or((option, ""));
    kivigo_core::conformance::process::with_option(url, name, value)
}
