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

/// Data kivigo-memcached 0.1 wrote with its own `?prefix=` (stored as `prefix + key`, a plain
/// `ms` with no flags or expiry) reads back through the generic `?prefix=` of 0.2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_under_the_0_1_prefix_option_stays_readable() {
    let Some(url) = server_url("memcached") else {
        return;
    };
    let prefix = format!("kivigo-url-legacy/{}/", kivigo_core::conformance::run_id());
    // The same bytes on the wire as 0.1: the stored key is the prefix followed by the key.
    let bare = kivigo::open_backend(&url).await.expect("open");
    bare.set(&format!("{prefix}user:1"), b"\"ada\"", None)
        .await
        .expect("set");
    bare.set(&format!("{prefix}hits"), b"41", None)
        .await
        .expect("set");
    let store = kivigo::open(&with_option(&url, "prefix", &prefix))
        .await
        .expect("open with ?prefix=");
    assert_eq!(
        store.get::<String>("user:1").await.expect("get"),
        Some("ada".to_owned())
    );
    assert_eq!(store.increment("hits", 1).await.expect("increment"), 42);
    assert_eq!(
        bare.get(&format!("{prefix}hits")).await.expect("get"),
        Some(b"42".to_vec())
    );
    // The prefix leaves the rest of memcached's 250 bytes to keys.
    let caps = store.backend().capabilities();
    assert_eq!(caps.max_key_size, Some(250 - prefix.len()));
    assert_eq!(
        store
            .batch_delete(["user:1", "hits"])
            .await
            .expect("delete"),
        2
    );
    store.close().await.expect("close");
    bare.close().await.expect("close");
}
