//! The conformance suite against sled, one temporary database per case.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kivigo_core::Backend;
use kivigo_core::conformance::Harness;
use kivigo_sled::{SledBackend, SledConfig};
use tempfile::TempDir;

#[derive(Default)]
struct Sled {
    dirs: Mutex<HashMap<String, TempDir>>,
}

#[kivigo_core::async_trait]
impl Harness for Sled {
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let backend = SledBackend::open(SledConfig::new(dir.path()))
            .await
            .expect("open sled");
        self.dirs
            .lock()
            .expect("lock")
            .insert(scope.to_owned(), dir);
        Some(Arc::new(backend))
    }

    async fn cleanup(&self, scope: &str) {
        self.dirs.lock().expect("lock").remove(scope);
    }
}

static SLED: std::sync::LazyLock<Sled> = std::sync::LazyLock::new(Sled::default);

kivigo_core::conformance_tests!(*SLED);
