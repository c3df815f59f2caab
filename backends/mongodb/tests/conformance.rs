//! The conformance suite against MongoDB (or the wire-protocol test server), one collection per
//! case, dropped afterwards.

mod support;

use std::sync::Arc;

use kivigo_core::Backend;
use kivigo_core::conformance::Harness;

struct Mongo;

#[kivigo_core::async_trait]
impl Harness for Mongo {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = support::server_url()?;
        Some(Arc::new(
            support::open(&url, &support::collection(scope)).await,
        ))
    }

    async fn cleanup(&self, scope: &str) {
        if let Some(url) = support::server_url() {
            support::drop_collection(&url, &support::collection(scope)).await;
        }
    }
}

kivigo_core::conformance_tests!(Mongo);
