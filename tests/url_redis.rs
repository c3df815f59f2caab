//! The conformance suite through `kivigo::open_backend("redis://...?prefix=...")`.
#![cfg(feature = "redis")]

use std::sync::Arc;

use kivigo::Backend;
use kivigo_core::conformance::process::with_option;
use kivigo_core::conformance::{Harness, server_url};

struct RedisUrl;

#[kivigo::async_trait]
impl Harness for RedisUrl {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let base = server_url("redis")?;
        let url = with_option(&base, "prefix", &format!("kivigo-url-test:{scope}:"));
        Some(kivigo::open_backend(&url).await.expect("open redis://"))
    }
}

kivigo_core::conformance_tests!(RedisUrl);

/// Keys that kivigo-redis 0.1 wrote with its own `?prefix=legacy:` option were stored as
/// `legacy:<key>`; the generic `?prefix=` option (a `Prefix` layer) stores and finds them at the
/// same place, so existing data stays readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_written_under_the_0_1_prefix_option_read_back_through_prefix() {
    let Some(base) = server_url("redis") else {
        return;
    };
    let legacy = format!(
        "kivigo-url-test:{}_legacy:",
        kivigo_core::conformance::run_id()
    );
    // The 0.1 layout: the prefix and the key as one stored key, written without any layer.
    let unprefixed = kivigo::open_backend(&base).await.expect("open redis://");
    let stored = |key: &str| format!("{legacy}{key}");
    unprefixed
        .set(&stored("user:1"), b"\"Ada\"", None)
        .await
        .expect("set");
    unprefixed
        .set(&stored("hits"), b"41", None)
        .await
        .expect("set");

    let client = kivigo::open(&with_option(&base, "prefix", &legacy))
        .await
        .expect("open redis://?prefix=");
    assert_eq!(
        client.get::<String>("user:1").await.expect("get"),
        Some("Ada".to_owned())
    );
    assert_eq!(client.list("").await.expect("list"), ["hits", "user:1"]);
    assert_eq!(client.increment("hits", 1).await.expect("increment"), 42);
    client.set("user:2", &"Bob").await.expect("set");
    assert_eq!(
        unprefixed.get(&stored("user:2")).await.expect("get"),
        Some(b"\"Bob\"".to_vec()),
        "new keys land where 0.1 put them"
    );
    let keys: Vec<String> = client.list("").await.expect("list");
    let removed = client.batch_delete(keys.iter().map(String::as_str)).await;
    assert_eq!(removed.expect("batch_delete"), 3);
    assert!(unprefixed.list(&legacy).await.expect("list").is_empty());
}
