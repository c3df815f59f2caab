//! The conformance suite against a real memcached, one key prefix per case.
//!
//! The server comes from `KIVIGO_TEST_MEMCACHED_URL` (`scripts/services env memcached`). Since
//! memcached cannot list, each case's backend is wrapped in a pass-through that remembers the keys
//! it wrote, and the harness deletes them when the case ends.

#[path = "support/recording.rs"]
mod recording;

use std::sync::Arc;

use kivigo_core::conformance::{Harness, server_url};
use kivigo_core::{Backend, BackendUrl};
use kivigo_memcached::{MemcachedBackend, MemcachedConfig};
use recording::Written;

#[derive(Default)]
struct Memcached {
    written: Written,
}

async fn open_scope(url: &str, scope: &str) -> MemcachedBackend {
    let url = BackendUrl::parse(url).expect("KIVIGO_TEST_MEMCACHED_URL");
    let config = MemcachedConfig::from_url(&url)
        .expect("memcached URL")
        .with_prefix(format!("kivigo-test/{scope}/"));
    MemcachedBackend::open(config)
        .await
        .expect("open memcached")
}

#[kivigo_core::async_trait]
impl Harness for Memcached {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = server_url("memcached")?;
        let backend = Arc::new(open_scope(&url, scope).await);
        Some(self.written.wrap(scope, backend))
    }

    async fn cleanup(&self, scope: &str) {
        if let Some(url) = server_url("memcached") {
            let fresh = Arc::new(open_scope(&url, scope).await);
            self.written.clean(scope, fresh).await;
        }
    }
}

static MEMCACHED: std::sync::LazyLock<Memcached> = std::sync::LazyLock::new(Memcached::default);

kivigo_core::conformance_tests!(*MEMCACHED);
