//! The conformance suite against memcached through `kivigo::open_backend`, with the per-case key
//! prefix given as a URL option. Keys a case wrote are deleted afterwards by a pass-through that
//! remembers them (memcached cannot list them).
#![cfg(feature = "memcached")]

#[path = "../backends/memcached/tests/support/recording.rs"]
mod recording;

use std::sync::Arc;

use kivigo::Backend;
use kivigo_core::conformance::process::with_option;
use kivigo_core::conformance::{Harness, server_url};
use recording::Written;

#[derive(Default)]
struct MemcachedUrl {
    written: Written,
}

async fn open_scope(url: &str, scope: &str) -> Arc<dyn Backend> {
    let url = with_option(url, "prefix", &format!("kivigo-url-test/{scope}/"));
    let url = with_option(&url, "timeout", "5s");
    kivigo::open_backend(&url).await.expect("open memcached://")
}

#[kivigo::async_trait]
impl Harness for MemcachedUrl {
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

static MEMCACHED: std::sync::LazyLock<MemcachedUrl> =
    std::sync::LazyLock::new(MemcachedUrl::default);

kivigo_core::conformance_tests!(*MEMCACHED);
