//! The conformance suite through `kivigo::open_backend` for the SQL engines: PostgreSQL and
//! MariaDB/MySQL from `KIVIGO_TEST_POSTGRES_URL` / `KIVIGO_TEST_MYSQL_URL`, SQLite in a temporary
//! file. Each case uses its own table (the `table` option), dropped afterwards.
#![cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]

use std::sync::Arc;

use kivigo::Backend;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use kivigo::sql::{SqlBackend, SqlConfig};
use kivigo_core::conformance::Harness;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use kivigo_core::conformance::server_url;

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// The table of one case.
fn table(scope: &str) -> String {
    format!("kvu_{scope}")
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// `url` with `?table=...` (or `&table=...`) added.
fn with_table(url: &str, scope: &str) -> String {
    kivigo_core::conformance::process::with_option(url, "table", &table(scope))
}

/// A server engine reached through its URL.
#[cfg(any(feature = "postgres", feature = "mysql"))]
struct ServerUrl(&'static str);

#[cfg(any(feature = "postgres", feature = "mysql"))]
#[kivigo::async_trait]
impl Harness for ServerUrl {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = with_table(&server_url(self.0)?, scope);
        Some(kivigo::open_backend(&url).await.expect("open by URL"))
    }

    async fn cleanup(&self, scope: &str) {
        let Some(url) = server_url(self.0) else {
            return;
        };
        let backend = SqlBackend::open(SqlConfig::new(url).with_table(table(scope)))
            .await
            .expect("reopen to drop the table");
        backend.drop_table().await.expect("drop the test table");
        backend.close().await.expect("close");
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    kivigo_core::conformance_tests!(ServerUrl("postgres"));
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;

    kivigo_core::conformance_tests!(ServerUrl("mysql"));
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;

    /// Each case gets its own file under one temporary directory.
    struct SqliteUrl(std::sync::LazyLock<tempfile::TempDir>);

    #[kivigo::async_trait]
    impl Harness for SqliteUrl {
        async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
            let path = self.0.path().join(format!("{scope}.db"));
            let url = format!("sqlite://{}?synchronous=normal", path.display());
            Some(kivigo::open_backend(&url).await.expect("open sqlite://"))
        }

        async fn cleanup(&self, scope: &str) {
            for suffix in ["db", "db-wal", "db-shm"] {
                let _ = std::fs::remove_file(self.0.path().join(format!("{scope}.{suffix}")));
            }
        }
    }

    static SQLITE: SqliteUrl = SqliteUrl(std::sync::LazyLock::new(|| {
        tempfile::tempdir().expect("temporary directory")
    }));

    kivigo_core::conformance_tests!(SQLITE);
}

/// The in-memory form opens through the facade too.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_in_memory_by_url() {
    let store = kivigo::open("sqlite://:memory:?table=mem")
        .await
        .expect("open");
    store.set("k", &1u8).await.expect("set");
    assert_eq!(store.get::<u8>("k").await.expect("get"), Some(1));
    assert_eq!(store.list("").await.expect("list"), ["k"]);
    store.close().await.expect("close");
}
