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
