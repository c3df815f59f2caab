//! The conformance suite against the in-memory backend.

use std::sync::Arc;

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
