//! The test server's URL and per-case collections, shared by this crate's tests.

#![allow(dead_code)]

use kivigo_mongodb::{MongoBackend, MongoConfig};

/// Database every test writes into; each case has its own collection in it.
pub const TEST_DATABASE: &str = "kivigo_test";

/// The server's URL from `KIVIGO_TEST_MONGODB_URL` (`None` = skip, see `server_url`).
pub fn server_url() -> Option<String> {
    kivigo_core::conformance::server_url("mongodb")
}

/// The collection of one test case. The name starts with a letter: the wire-protocol test server
/// (unlike MongoDB) refuses collection names that start with a digit.
pub fn collection(scope: &str) -> String {
    format!("kv_{scope}")
}

/// A config for collection `collection` of the test database on the server at `url`.
pub fn config(url: &str, collection: &str) -> MongoConfig {
    let parsed = kivigo_core::BackendUrl::parse(url).expect("KIVIGO_TEST_MONGODB_URL parses");
    MongoConfig {
        database: TEST_DATABASE.to_owned(),
        collection: collection.to_owned(),
        ..MongoConfig::from_url(&parsed).expect("KIVIGO_TEST_MONGODB_URL is a MongoDB URL")
    }
}

/// Opens collection `collection` of the test database.
pub async fn open(url: &str, collection: &str) -> MongoBackend {
    MongoBackend::open(config(url, collection))
        .await
        .expect("open the MongoDB test server")
}

/// Drops collection `collection` of the test database.
pub async fn drop_collection(url: &str, collection: &str) {
    let backend = open(url, collection).await;
    backend.drop_collection().await.expect("drop collection");
    kivigo_core::Backend::close(&backend).await.expect("close");
}
