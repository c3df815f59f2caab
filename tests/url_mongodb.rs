//! The conformance suite through `kivigo::open_backend("mongodb://...")`: one collection per case,
//! named by URL options, dropped afterwards.

#![cfg(feature = "mongodb")]

use std::sync::Arc;

use kivigo::Backend;
use kivigo_core::conformance::process::with_option;
use kivigo_core::conformance::{Harness, server_url};

/// The test server's URL with this case's database and collection as query options.
fn case_url(scope: &str) -> Option<String> {
    let base = server_url("mongodb")?;
    // The test server refuses collection names that start with a digit, as scopes may.
    let url = with_option(&base, "database", "kivigo_test");
    Some(with_option(&url, "collection", &format!("url_{scope}")))
}

struct MongoUrl;

#[kivigo::async_trait]
impl Harness for MongoUrl {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = case_url(scope)?;
        Some(kivigo::open_backend(&url).await.expect("open mongodb://"))
    }

    async fn cleanup(&self, scope: &str) {
        let Some(url) = case_url(scope) else {
            return;
        };
        let url = kivigo::BackendUrl::parse(&url).expect("url");
        let backend = kivigo::mongodb::open_url(&url).await.expect("open");
        backend.drop_collection().await.expect("drop collection");
        backend.close().await.expect("close");
    }
}

kivigo_core::conformance_tests!(MongoUrl);

#[tokio::test]
async fn mongodb_schemes_are_registered() {
    let schemes = kivigo::schemes();
    assert!(schemes.contains(&"mongodb"), "{schemes:?}");
    assert!(schemes.contains(&"mongodb+srv"), "{schemes:?}");
}
