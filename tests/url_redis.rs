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
