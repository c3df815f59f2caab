//! The conformance suite against each engine: PostgreSQL and MariaDB/MySQL on loopback (from
//! `KIVIGO_TEST_POSTGRES_URL` / `KIVIGO_TEST_MYSQL_URL`), SQLite in a temporary file and in memory.
//! Every case gets its own table, dropped afterwards.

use std::sync::Arc;

use kivigo_core::Backend;
use kivigo_core::conformance::Harness;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use kivigo_core::conformance::server_url;
use kivigo_sql::{SqlBackend, SqlConfig};

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// A table private to one case.
fn table(scope: &str) -> String {
    format!("kv_{scope}")
}

/// A server engine: one table per case in the test database.
#[cfg(any(feature = "postgres", feature = "mysql"))]
struct Server(&'static str);

#[cfg(any(feature = "postgres", feature = "mysql"))]
#[kivigo_core::async_trait]
impl Harness for Server {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = server_url(self.0)?;
        let config = SqlConfig::new(url).with_table(table(scope));
        let backend = SqlBackend::open(config)
            .await
            .expect("open the test database");
        Some(Arc::new(backend))
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

    kivigo_core::conformance_tests!(Server("postgres"));
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;

    kivigo_core::conformance_tests!(Server("mysql"));
}

#[cfg(feature = "sqlite")]
mod sqlite_file {
    use super::*;

    /// Each case gets its own database file under one temporary directory.
    struct SqliteFile(std::sync::LazyLock<tempfile::TempDir>);

    #[kivigo_core::async_trait]
    impl Harness for SqliteFile {
        async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
            let path = self.0.path().join(format!("{scope}.db"));
            let config = SqlConfig::new(format!("sqlite://{}", path.display()));
            Some(Arc::new(
                SqlBackend::open(config).await.expect("open sqlite"),
            ))
        }

        async fn cleanup(&self, scope: &str) {
            for suffix in ["db", "db-wal", "db-shm"] {
                let _ = std::fs::remove_file(self.0.path().join(format!("{scope}.{suffix}")));
            }
        }
    }

    static SQLITE: SqliteFile = SqliteFile(std::sync::LazyLock::new(|| {
        tempfile::tempdir().expect("temporary directory")
    }));

    kivigo_core::conformance_tests!(SQLITE);
}

#[cfg(feature = "sqlite")]
mod sqlite_memory {
    use super::*;

    struct SqliteMemory;

    #[kivigo_core::async_trait]
    impl Harness for SqliteMemory {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            let config = SqlConfig::new("sqlite://:memory:");
            Some(Arc::new(
                SqlBackend::open(config).await.expect("open sqlite memory"),
            ))
        }
    }

    kivigo_core::conformance_tests!(SqliteMemory);
}
