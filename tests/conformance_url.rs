//! The conformance suite through `kivigo::open`, one module per backend the build enables.

use std::sync::Arc;

use kivigo::Backend;
use kivigo_core::conformance::Harness;

mod memory {
    use super::*;

    struct MemoryUrl;

    #[kivigo::async_trait]
    impl Harness for MemoryUrl {
        async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
            Some(
                kivigo::open_backend("memory://")
                    .await
                    .expect("open memory://"),
            )
        }
    }

    kivigo_core::conformance_tests!(MemoryUrl);
}

#[cfg(feature = "sled")]
mod sled {
    use super::*;

    /// Each case gets its own directory under one temporary root, removed when the process ends.
    struct SledUrl(std::sync::LazyLock<tempfile::TempDir>);

    #[kivigo::async_trait]
    impl Harness for SledUrl {
        async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
            let path = self.0.path().join(scope);
            let url = format!("sled://{}?flush=always", path.display());
            Some(kivigo::open_backend(&url).await.expect("open sled://"))
        }

        async fn cleanup(&self, scope: &str) {
            let _ = std::fs::remove_dir_all(self.0.path().join(scope));
        }
    }

    static SLED: SledUrl = SledUrl(std::sync::LazyLock::new(|| {
        tempfile::tempdir().expect("temporary directory")
    }));

    kivigo_core::conformance_tests!(SLED);
}

/// The suite through the generic `prefix` option, which puts a `Prefix` layer over the store.
#[cfg(feature = "sled")]
mod sled_prefixed {
    use super::*;

    struct SledPrefixedUrl(std::sync::LazyLock<tempfile::TempDir>);

    #[kivigo::async_trait]
    impl Harness for SledPrefixedUrl {
        async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>> {
            let path = self.0.path().join(scope);
            let url = format!("sled://{}?prefix=tenant:{scope}:", path.display());
            Some(
                kivigo::open_backend(&url)
                    .await
                    .expect("open sled:// with a prefix"),
            )
        }

        async fn cleanup(&self, scope: &str) {
            let _ = std::fs::remove_dir_all(self.0.path().join(scope));
        }
    }

    static SLED: SledPrefixedUrl = SledPrefixedUrl(std::sync::LazyLock::new(|| {
        tempfile::tempdir().expect("temporary directory")
    }));

    kivigo_core::conformance_tests!(SLED);
}
