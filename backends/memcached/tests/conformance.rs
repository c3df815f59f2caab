//! The conformance suite against a real memcached, one key prefix per case.
//!
//! The server comes from `KIVIGO_TEST_MEMCACHED_URL` (`scripts/services env memcached`). Each case
//! sees the backend under its own [`Prefix`] layer (the generic prefix, as `?prefix=` gives it).
//! Since memcached cannot list, the layered backend is wrapped in a pass-through that remembers
//! the keys it wrote, and the harness deletes them when the case ends.

#[path = "support/recording.rs"]
mod recording;

use std::sync::Arc;

use kivigo_core::conformance::{Harness, server_url};
use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, BackendUrl};
use kivigo_memcached::open_url;
use recording::Written;

#[derive(Default)]
struct Memcached {
    written: Written,
}

async fn open_scope(url: &str, scope: &str) -> Arc<dyn Backend> {
    let url = BackendUrl::parse(url).expect("KIVIGO_TEST_MEMCACHED_URL");
    let backend = open_url(&url).await.expect("open memcached");
    Prefix::new(format!("kivigo-test/{scope}/"))
        .layer(Arc::new(backend))
        .expect("prefix")
}

#[kivigo_core::async_trait]
impl Harness for Memcached {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = server_url("memcached")?;
        Some(self.written.wrap(scope, open_scope(&url, scope).await))
    }

    async fn cleanup(&self, scope: &str) {
        if let Some(url) = server_url("memcached") {
            self.written
                .clean(scope, open_scope(&url, scope).await)
                .await;
        }
    }
}

static MEMCACHED: std::sync::LazyLock<Memcached> = std::sync::LazyLock::new(Memcached::default);

kivigo_core::conformance_tests!(*MEMCACHED);
