//! The conformance suite through `kivigo::open_backend("etcd://...?prefix=...")`.
#![cfg(feature = "etcd")]

use std::sync::Arc;

use kivigo::Backend;
use kivigo_core::conformance::process::with_option;
use kivigo_core::conformance::{Harness, server_url};

struct EtcdUrl;

#[kivigo::async_trait]
impl Harness for EtcdUrl {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let base = server_url("etcd")?;
        let url = with_option(&base, "prefix", &format!("kivigo_url_test/{scope}/"));
        Some(kivigo::open_backend(&url).await.expect("open etcd://"))
    }
}

kivigo_core::conformance_tests!(EtcdUrl);

#[tokio::test]
async fn etcd_urls_are_checked_before_connecting() {
    assert!(kivigo::schemes().contains(&"etcd"));
    let err = kivigo::open("etcd://u:hunter2@127.0.0.1:1?prefx=a/")
        .await
        .expect_err("unknown option");
    let message = err.to_string();
    assert!(matches!(err, kivigo::Error::Config(_)), "{message}");
    assert!(
        message.contains("prefx") && message.contains("prefix"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}
