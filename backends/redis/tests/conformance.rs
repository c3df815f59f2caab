//! The conformance suite against a real Redis server (`KIVIGO_TEST_REDIS_URL`), each case under
//! its own key prefix (the `Prefix` layer that `?prefix=` gives through the facade).

use std::sync::Arc;

use kivigo_core::conformance::{Harness, server_url};
use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, BackendUrl};
use kivigo_redis::{RedisBackend, RedisConfig};

struct Redis;

#[kivigo_core::async_trait]
impl Harness for Redis {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let url = server_url("redis")?;
        let url = BackendUrl::parse(&url).expect("KIVIGO_TEST_REDIS_URL");
        let config = RedisConfig::from_url(&url).expect("redis URL");
        let backend = RedisBackend::open(config).await.expect("connect to redis");
        let scoped = Prefix::new(format!("kivigo-test:{scope}:"))
            .layer(Arc::new(backend))
            .expect("prefix layer");
        Some(scoped)
    }
}

kivigo_core::conformance_tests!(Redis);
