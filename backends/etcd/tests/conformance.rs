//! The conformance suite against a real etcd (`KIVIGO_TEST_ETCD_URL`, set by scripts/test), one
//! key prefix per case.

use std::sync::Arc;

use kivigo_core::conformance::{Harness, server_url};
use kivigo_core::{Backend, BackendUrl};
use kivigo_etcd::{EtcdBackend, EtcdConfig};

struct Etcd;

#[kivigo_core::async_trait]
impl Harness for Etcd {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = BackendUrl::parse(&server_url("etcd")?).expect("etcd URL");
        let config = EtcdConfig::from_url(&url)
            .expect("etcd config")
            .with_prefix(format!("kivigo_test/{scope}/"));
        let backend = EtcdBackend::open(config).await.expect("open etcd");
        Some(Arc::new(backend))
    }
}

kivigo_core::conformance_tests!(Etcd);
