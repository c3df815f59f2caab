//! What the MongoDB backend does beyond the shared suite: the documents it writes, documents it
//! did not write, keys MongoDB treats specially, chunking at the size limits, URL options and a
//! client handed in by the application.

mod support;

use kivigo_core::conformance::process::with_option;

use kivigo_core::{Backend, Error};
use kivigo_mongodb::mongodb::bson::{Binary, Bson, Document, doc, spec::BinarySubtype};
use kivigo_mongodb::{MAX_KEY_SIZE, MAX_VALUE_SIZE, MongoBackend, mongodb};

/// A backend on a fresh collection, the driver's view of the same collection, and its name for
/// the final drop.
struct Case {
    url: String,
    name: String,
    backend: MongoBackend,
    raw: mongodb::Collection<Document>,
}

impl Case {
    async fn new(test: &str) -> Option<Self> {
        let url = support::server_url()?;
        let name = support::collection(&format!("{}_{test}", kivigo_core::conformance::run_id()));
        let backend = support::open(&url, &name).await;
        let client = mongodb::Client::with_uri_str(&url).await.expect("client");
        let raw = client
            .database(support::TEST_DATABASE)
            .collection::<Document>(&name);
        Some(Self {
            url,
            name,
            backend,
            raw,
        })
    }

    async fn finish(self) {
        self.backend.close().await.expect("close");
        support::drop_collection(&self.url, &self.name).await;
    }
}

#[tokio::test]
async fn documents_hold_the_key_as_id_and_the_value_as_generic_binary() {
    let Some(case) = Case::new("shape").await else {
        return;
    };
    case.backend
        .set("single", b"\x00\xff", None)
        .await
        .expect("set");
    case.backend
        .batch_set(&[("batched".to_owned(), Vec::new())], None)
        .await
        .expect("batch_set");
    for (key, bytes) in [("single", vec![0, 255]), ("batched", vec![])] {
        let stored = case
            .raw
            .find_one(doc! { "_id": key })
            .await
            .expect("find")
            .expect("document exists");
        let expected = doc! {
            "_id": key,
            "v": Binary { subtype: BinarySubtype::Generic, bytes },
        };
        assert_eq!(stored, expected);
    }
    case.finish().await;
}

#[tokio::test]
async fn documents_written_by_others_are_reported_or_skipped() {
    let Some(case) = Case::new("foreign").await else {
        return;
    };
    case.raw
        .insert_many([
            doc! { "_id": "text", "v": "not bytes" },
            doc! { "_id": "novalue" },
            doc! { "_id": 42, "v": Binary { subtype: BinarySubtype::Generic, bytes: vec![1] } },
        ])
        .await
        .expect("insert foreign documents");
    for key in ["text", "novalue"] {
        match case.backend.get(key).await {
            Err(err @ Error::Backend { .. }) => {
                assert!(!err.is_transient(), "{err}");
                assert!(err.to_string().contains(key), "{err}");
            }
            other => panic!("expected a backend error for {key}, got {other:?}"),
        }
    }
    // A non-string _id is not a kivigo key: listing leaves it out (MongoDB's $regex never
    // matches it; the backend also skips it where a server's $regex does).
    assert_eq!(
        case.backend.list("").await.expect("list"),
        ["novalue", "text"]
    );
    case.finish().await;
}

#[tokio::test]
async fn nul_bytes_and_newlines_in_keys_and_prefixes_are_literal() {
    let Some(case) = Case::new("nul").await else {
        return;
    };
    let keys = ["a\0b", "a\0c", "a\nb", "a", "ab"];
    for key in keys {
        case.backend
            .set(key, key.as_bytes(), None)
            .await
            .expect("set");
    }
    for key in keys {
        assert_eq!(
            case.backend.get(key).await.expect("get"),
            Some(key.as_bytes().to_vec())
        );
    }
    assert_eq!(
        case.backend.list("a\0").await.expect("list"),
        ["a\0b", "a\0c"]
    );
    assert_eq!(case.backend.list("a\n").await.expect("list"), ["a\nb"]);
    assert_eq!(case.backend.list("a").await.expect("list").len(), 5);
    case.finish().await;
}

#[tokio::test]
async fn batches_over_the_command_size_are_split_and_the_largest_entry_fits() {
    let Some(case) = Case::new("sizes").await else {
        return;
    };
    // 20 MiB of values: more than one `update` command can carry.
    let entries: Vec<(String, Vec<u8>)> = (0..20u8)
        .map(|i| (format!("mib/{i:02}"), vec![i; 1 << 20]))
        .collect();
    case.backend
        .batch_set(&entries, None)
        .await
        .expect("batch_set");
    let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    let found = case.backend.batch_get(&keys).await.expect("batch_get");
    assert_eq!(found.len(), entries.len());
    for (key, value) in &entries {
        assert!(found.get(key) == Some(value), "{key} differs");
    }
    assert_eq!(case.backend.batch_delete(&keys).await.expect("delete"), 20);

    // The largest key with the largest value is one document under 16 MiB.
    let key = "k".repeat(MAX_KEY_SIZE);
    let value = vec![9u8; MAX_VALUE_SIZE];
    let batch = vec![("small".to_owned(), b"s".to_vec()), (key.clone(), value)];
    case.backend
        .batch_set(&batch, None)
        .await
        .expect("largest entry");
    let stored = case.backend.get(&key).await.expect("get").expect("present");
    assert_eq!(stored.len(), MAX_VALUE_SIZE);
    assert_eq!(
        case.backend.get("small").await.expect("get"),
        Some(b"s".to_vec())
    );
    case.finish().await;
}

#[tokio::test]
async fn driver_options_pass_through_and_misspelled_options_are_config_errors() {
    let Some(url) = support::server_url() else {
        return;
    };
    let name = support::collection(&format!("{}_opts", kivigo_core::conformance::run_id()));
    let with_options = [
        ("serverSelectionTimeoutMS", "5000"),
        ("appName", "kivigo-test"),
        ("w", "majority"),
        ("database", support::TEST_DATABASE),
        ("collection", &name),
    ]
    .into_iter()
    .fold(url.clone(), |url, (option, value)| {
        with_option(&url, option, value)
    });
    let backend = kivigo_mongodb::open_url(&with_options.parse().expect("url"))
        .await
        .expect("open with driver options");
    backend
        .batch_set(&[("k".to_owned(), b"v".to_vec())], None)
        .await
        .expect("batch_set with the URL's write concern");
    assert_eq!(backend.get("k").await.expect("get"), Some(b"v".to_vec()));
    backend.close().await.expect("close");
    support::drop_collection(&url, &name).await;

    let misspelled = with_option(&url, "colection", "kv");
    match kivigo_mongodb::open_url(&misspelled.parse().expect("url")).await {
        Err(Error::Config(message)) => assert!(message.contains("colection"), "{message}"),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_handed_in_keeps_running_after_close() {
    let Some(url) = support::server_url() else {
        return;
    };
    let client = mongodb::Client::with_uri_str(&url).await.expect("client");
    let name = support::collection(&format!("{}_client", kivigo_core::conformance::run_id()));
    let backend = MongoBackend::with_client(client.clone(), support::TEST_DATABASE, &name)
        .await
        .expect("with_client");
    backend.set("k", b"v", None).await.expect("set");
    backend.drop_collection().await.expect("drop");
    backend.close().await.expect("close");
    assert!(matches!(backend.health().await, Err(Error::Closed { .. })));
    let pong = client
        .database("admin")
        .run_command(doc! { "ping": 1 })
        .await
        .expect("the application's client still works");
    assert!(matches!(
        pong.get("ok"),
        Some(Bson::Double(_) | Bson::Int32(_))
    ));
}
