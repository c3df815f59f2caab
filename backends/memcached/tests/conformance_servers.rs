//! The conformance suite against two memcached servers at once, keys spread over both by the
//! client's rendezvous hashing: every case gets two private servers on free ports, stopped when
//! it ends (so nothing needs cleaning up).

// Shared by several test binaries, each of which uses part of it.
#[allow(dead_code)]
#[path = "support/server.rs"]
mod server;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kivigo_core::conformance::Harness;
use kivigo_core::{Backend, BackendUrl};
use kivigo_memcached::open_url;
use server::OwnServer;

#[derive(Default)]
struct TwoServers {
    running: Mutex<HashMap<String, [OwnServer; 2]>>,
}

#[kivigo_core::async_trait]
impl Harness for TwoServers {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let servers = [OwnServer::start(&[])?, OwnServer::start(&[])?];
        let url = format!(
            "memcached://127.0.0.1:{},127.0.0.1:{}",
            servers[0].port(),
            servers[1].port()
        );
        let backend = open_url(&BackendUrl::parse(&url).expect("URL"))
            .await
            .expect("open two servers");
        self.running
            .lock()
            .expect("lock")
            .insert(scope.to_owned(), servers);
        Some(Arc::new(backend))
    }

    async fn cleanup(&self, scope: &str) {
        let servers = self.running.lock().expect("lock").remove(scope);
        drop(servers);
    }
}

static TWO_SERVERS: std::sync::LazyLock<TwoServers> = std::sync::LazyLock::new(TwoServers::default);

kivigo_core::conformance_tests!(*TWO_SERVERS);
