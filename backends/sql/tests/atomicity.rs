//! Batches larger than one statement are still all-or-nothing: a row the database refuses in the
//! last statement rolls back the statements before it.
//!
//! The refusal comes from the database itself: a CHECK constraint or trigger that rejects the key
//! `zz-poison` (sorted last, so it lands in the last statement), and a referencing row that
//! forbids deleting it.

mod support;

use kivigo_core::{Atomicity, Backend, Entry};
use kivigo_sql::{Engine, SqlBackend, SqlConfig};
use support::{raw, table};

/// More rows than one statement carries on any engine (PostgreSQL and MySQL: 65,535 parameters,
/// so 32,767 rows per upsert and 65,535 keys per delete; SQLite: 32,766 parameters).
const ROWS: usize = 70_000;
const POISON: &str = "zz-poison";

fn entries() -> Vec<Entry> {
    (0..ROWS)
        .map(|i| (format!("a{i:06}"), b"v".to_vec()))
        .collect()
}

/// SQL that makes the database refuse to insert the poison key.
fn refuse_insert(engine: Engine, t: &str) -> String {
    match engine {
        Engine::Postgres => format!(
            "ALTER TABLE \"{t}\" ADD CONSTRAINT \"{t}_p\" CHECK (\"key\" <> '{POISON}'::bytea)"
        ),
        Engine::MySql => {
            format!("ALTER TABLE `{t}` ADD CONSTRAINT `{t}_p` CHECK (`key` <> '{POISON}')")
        }
        _ => format!(
            "CREATE TRIGGER \"{t}_p\" BEFORE INSERT ON \"{t}\" WHEN NEW.\"key\" = \
             CAST('{POISON}' AS BLOB) BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        ),
    }
}

/// SQL for a table whose row references the poison key, so that deleting it fails.
fn refuse_delete(engine: Engine, t: &str) -> Vec<String> {
    match engine {
        Engine::Postgres => vec![
            format!("CREATE TABLE \"{t}_ref\" (\"k\" BYTEA NOT NULL REFERENCES \"{t}\" (\"key\"))"),
            format!("INSERT INTO \"{t}_ref\" VALUES ('{POISON}'::bytea)"),
        ],
        Engine::MySql => vec![
            format!(
                "CREATE TABLE `{t}_ref` (`k` VARBINARY(1024) NOT NULL, FOREIGN KEY (`k`) \
                 REFERENCES `{t}` (`key`)) ENGINE=InnoDB"
            ),
            format!("INSERT INTO `{t}_ref` VALUES ('{POISON}')"),
        ],
        _ => vec![
            format!("CREATE TABLE \"{t}_ref\" (\"k\" BLOB NOT NULL REFERENCES \"{t}\" (\"key\"))"),
            format!("INSERT INTO \"{t}_ref\" VALUES (CAST('{POISON}' AS BLOB))"),
        ],
    }
}

/// A backend on a table of its own (the name holds this run's id, so it starts out absent).
async fn open(url: &str, t: &str) -> SqlBackend {
    SqlBackend::open(SqlConfig::new(url).with_table(t))
        .await
        .expect("open")
}

fn quoted(url: &str, name: &str) -> String {
    match SqlConfig::new(url).engine().expect("engine") {
        Engine::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

async fn batch_set_rolls_back_every_statement(url: &str) {
    let engine = SqlConfig::new(url).engine().expect("engine");
    let t = table("atomic_set");
    let backend = open(url, &t).await;
    assert_eq!(backend.capabilities().atomic_batch, Atomicity::Whole);
    raw(url, &[refuse_insert(engine, &t)]).await;
    let mut batch = entries();
    batch.push((POISON.to_owned(), b"v".to_vec()));
    let result = backend.batch_set(&batch, None).await;
    assert!(result.is_err(), "the poison row must fail the batch");
    assert_eq!(backend.get("a000000").await.expect("get"), None);
    assert!(
        backend.list("").await.expect("list").is_empty(),
        "no partial write"
    );
    // Without the poison the same batch goes through.
    batch.pop();
    backend.batch_set(&batch, None).await.expect("batch_set");
    assert_eq!(backend.list("a").await.expect("list").len(), ROWS);
    backend.drop_table().await.expect("drop");
    backend.close().await.expect("close");
}

async fn batch_delete_rolls_back_every_statement(url: &str) {
    let engine = SqlConfig::new(url).engine().expect("engine");
    let t = table("atomic_delete");
    let backend = open(url, &t).await;
    let mut batch = entries();
    batch.push((POISON.to_owned(), b"v".to_vec()));
    backend.batch_set(&batch, None).await.expect("batch_set");
    raw(url, &refuse_delete(engine, &t)).await;
    let keys: Vec<String> = batch.iter().map(|(k, _)| k.clone()).collect();
    assert!(backend.batch_delete(&keys).await.is_err());
    assert_eq!(
        backend.list("").await.expect("list").len(),
        ROWS + 1,
        "nothing deleted"
    );
    // Without the poison key the rest goes, counted exactly.
    assert_eq!(
        backend
            .batch_delete(&keys[..ROWS])
            .await
            .expect("batch_delete"),
        ROWS as u64
    );
    raw(
        url,
        &[format!("DROP TABLE {}", quoted(url, &format!("{t}_ref")))],
    )
    .await;
    backend.drop_table().await.expect("drop");
    backend.close().await.expect("close");
}

#[cfg(feature = "postgres")]
mod postgres {
    use kivigo_core::conformance::server_url;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_set_rolls_back_every_statement() {
        if let Some(url) = server_url("postgres") {
            super::batch_set_rolls_back_every_statement(&url).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_delete_rolls_back_every_statement() {
        if let Some(url) = server_url("postgres") {
            super::batch_delete_rolls_back_every_statement(&url).await;
        }
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use kivigo_core::conformance::server_url;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_set_rolls_back_every_statement() {
        if let Some(url) = server_url("mysql") {
            super::batch_set_rolls_back_every_statement(&url).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_delete_rolls_back_every_statement() {
        if let Some(url) = server_url("mysql") {
            super::batch_delete_rolls_back_every_statement(&url).await;
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    fn url(dir: &tempfile::TempDir) -> String {
        format!("sqlite://{}", dir.path().join("kv.db").display())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_set_rolls_back_every_statement() {
        let dir = tempfile::tempdir().expect("temporary directory");
        super::batch_set_rolls_back_every_statement(&url(&dir)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batch_delete_rolls_back_every_statement() {
        let dir = tempfile::tempdir().expect("temporary directory");
        super::batch_delete_rolls_back_every_statement(&url(&dir)).await;
    }
}
