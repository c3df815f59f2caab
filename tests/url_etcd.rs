//! The conformance suite through `kivigo::open_backend("etcd://...?prefix=...")`.
#![cfg(feature = "etcd")]

use std::sync::Arc;

use kivigo::Backend;
use kivigo_core::conformance::{Harness, server_url};

struct EtcdUrl;

#[kivigo::async_trait]
impl Harness for EtcdUrl {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let base = server_url("etcd")?;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}prefix=kivigo_url_test/{scope}/");
        Some(kivigo::open_backend(&url).await.expect("open etcd://"))
    }
}

kivigo_core::conformance_tests!(EtcdUrl);
