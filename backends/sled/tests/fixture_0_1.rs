//! A database written by kivigo 0.1 (commit 9197518) opens and reads unchanged.
//!
//! Then it takes v2 writes, TTLs included.
//!
//! `fixtures/sled-0.1/` was made by a small program built against 0.1: in the default tree it
//! set the keys below one by one and `batch:0`..`batch:4` in one `batch_set`, wrote and
//! deleted `gone`, wrote `overwritten` twice; in the tree `sessions` it set three keys; then
//! it closed the database. It holds one 512 KiB sled segment, almost all zeros.

mod support;

use std::path::Path;
use std::time::Duration;

use kivigo_core::{Backend, KeyTtl};
use kivigo_sled::{SledBackend, SledConfig};

fn default_tree() -> Vec<(String, Vec<u8>)> {
    let mut keys: Vec<(String, Vec<u8>)> = vec![
        ("greeting".into(), b"hello".to_vec()),
        ("empty".into(), Vec::new()),
        ("binary".into(), (0..=255u8).collect()),
        ("json".into(), br#"{"name":"Ada","age":36}"#.to_vec()),
        ("counter".into(), b"41".to_vec()),
        ("unicode/ключ".into(), "значение".as_bytes().to_vec()),
        ("overwritten".into(), b"second".to_vec()),
    ];
    keys.extend((0..5).map(|i| (format!("batch:{i}"), format!("value {i}").into_bytes())));
    keys.sort();
    keys
}

fn sessions_tree() -> Vec<(String, Vec<u8>)> {
    vec![
        ("greeting".into(), b"from the sessions tree".to_vec()),
        ("s1".into(), b"alive".to_vec()),
        ("s2".into(), vec![0, 255, 0, 1]),
    ]
}

/// A copy of the fixture in a temporary directory, so the committed one never changes.
fn copy_fixture() -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sled-0.1");
    let target = tempfile::tempdir().expect("temporary directory");
    for file in std::fs::read_dir(&source).expect("fixture directory") {
        let file = file.expect("fixture entry");
        std::fs::copy(file.path(), target.path().join(file.file_name())).expect("copy");
    }
    target
}

async fn assert_holds(store: &SledBackend, expected: &[(String, Vec<u8>)]) {
    let keys: Vec<String> = expected.iter().map(|(key, _)| key.clone()).collect();
    assert_eq!(store.list("").await.expect("list"), keys);
    for (key, value) in expected {
        assert_eq!(
            store.get(key).await.expect("get").as_ref(),
            Some(value),
            "{key}"
        );
        assert_eq!(
            store.ttl(key).await.expect("ttl"),
            KeyTtl::Persistent,
            "{key}"
        );
    }
    let found = store.batch_get(&keys).await.expect("batch_get");
    assert_eq!(found.len(), expected.len());
    let page = store.scan("batch:", None, 2).await.expect("scan");
    assert_eq!(page.keys, ["batch:0", "batch:1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_database_reads_unchanged_and_takes_v2_writes() {
    let dir = copy_fixture();
    let store = support::open(dir.path(), Duration::from_secs(1)).await;
    assert_holds(&store, &default_tree()).await;
    assert_eq!(store.get("gone").await.expect("get"), None);

    // The counter 0.1 wrote is a v2 counter; new keys, TTLs and deletes work beside old data.
    assert_eq!(store.increment("counter", 1).await.expect("increment"), 42);
    store
        .set("fresh", b"with a ttl", Some(Duration::from_secs(3600)))
        .await
        .expect("set with ttl");
    assert!(
        store
            .expire("greeting", Some(Duration::from_millis(40)))
            .await
            .expect("expire")
    );
    let expiring = tokio::time::Instant::now();
    assert!(matches!(
        store.ttl("fresh").await.expect("ttl"),
        KeyTtl::Remaining(_)
    ));
    assert!(store.delete("batch:4").await.expect("delete"));
    support::wait_expired(expiring, Duration::from_millis(40)).await;
    assert_eq!(store.get("greeting").await.expect("get"), None);
    assert_eq!(store.ttl("greeting").await.expect("ttl"), KeyTtl::Missing);
    let listed = store.list("").await.expect("list");
    assert!(!listed.contains(&"greeting".to_owned()) && listed.contains(&"fresh".to_owned()));
    assert_eq!(
        store.get("binary").await.expect("get"),
        Some((0..=255u8).collect())
    );
    store.close().await.expect("close");

    // The values kivigo did not touch are still the bytes 0.1 wrote, read with raw sled.
    let db = sled::open(dir.path()).expect("raw sled");
    for (key, value) in default_tree() {
        if ["counter", "greeting", "batch:4"].contains(&key.as_str()) {
            continue;
        }
        assert_eq!(
            db.get(&key).expect("raw get").as_deref(),
            Some(&value[..]),
            "{key}"
        );
    }
    assert_eq!(
        db.get("counter").expect("raw get").as_deref(),
        Some(&b"42"[..])
    );
    let names: Vec<String> = db
        .tree_names()
        .iter()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    assert!(
        names.contains(&support::EXPIRY_TREE.to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"sessions".to_owned()), "{names:?}");
}

#[tokio::test]
async fn a_named_tree_of_a_0_1_database_reads_unchanged() {
    let dir = copy_fixture();
    let config = SledConfig {
        tree: Some("sessions".into()),
        ..SledConfig::new(dir.path())
    };
    let store = SledBackend::open(config)
        .await
        .expect("open the sessions tree");
    assert_holds_sessions(&store).await;
    store
        .set("s3", b"expires", Some(Duration::from_secs(3600)))
        .await
        .expect("set with ttl");
    assert!(store.ttl("s3").await.expect("ttl").remaining().is_some());
    store.close().await.expect("close");
}

async fn assert_holds_sessions(store: &SledBackend) {
    let expected = sessions_tree();
    let keys: Vec<String> = expected.iter().map(|(key, _)| key.clone()).collect();
    assert_eq!(store.list("").await.expect("list"), keys);
    for (key, value) in &expected {
        assert_eq!(
            store.get(key).await.expect("get").as_ref(),
            Some(value),
            "{key}"
        );
    }
}
