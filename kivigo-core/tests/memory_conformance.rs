//! The conformance suite against the in-memory backend.

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::conformance::Harness;
use kivigo_core::{Backend, MemoryBackend};

struct Memory;

#[async_trait::async_trait]
impl Harness for Memory {
    async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
        Some(Arc::new(MemoryBackend::new()))
    }
}

kivigo_core::conformance_tests!(Memory);

/// The suite through a namespace over a shared store that also holds keys of other namespaces,
/// which must stay invisible.
mod namespace {
    use super::*;
    use kivigo_core::layer::{Namespace, layered};

    struct Namespaced;

    #[async_trait::async_trait]
    impl Harness for Namespaced {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            let shared: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
            shared
                .set("other:k", b"x", None)
                .await
                .expect("neighbour key");
            shared
                .set("ns;", b"x", None)
                .await
                .expect("key sorting right after the prefix");
            Some(layered(Namespace::new(shared, "ns:").expect("namespace")))
        }
    }

    kivigo_core::conformance_tests!(Namespaced);
}

/// The suite with the sweeper off: expired entries stay in the map, so every read path must hide
/// them itself (with the sweeper on, it may remove them before a case looks).
mod unswept {
    use super::*;

    struct Unswept;

    #[async_trait::async_trait]
    impl Harness for Unswept {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            Some(Arc::new(MemoryBackend::with_sweep_interval(Duration::ZERO)))
        }
    }

    kivigo_core::conformance_tests!(Unswept);
}
