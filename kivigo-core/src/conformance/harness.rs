//! Running one case: a private store per case, cleanup even when the case panics, and the
//! skip-or-fail rule for missing servers.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use futures::FutureExt;

use crate::Backend;

/// How the suite gets a store for one case.
#[async_trait]
pub trait Harness: Sync {
    /// A store that is empty and that no other case sees (its own directory, key prefix, table,
    /// collection...). `scope` is unique per case and per run, made of `[a-z0-9_]`.
    /// `None` means the test is skipped (its server is not configured, see [`server_url`]).
    async fn open(&self, scope: &str) -> Option<Arc<dyn Backend>>;

    /// Removes what `open` made beyond keys (a table, a directory). The suite has already
    /// deleted every key it could list. The default does nothing.
    async fn cleanup(&self, _scope: &str) {}
}

/// A random id for this test process, so that runs never collide on shared servers.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| format!("{:08x}", rand::random::<u32>()))
}

/// True when `KIVIGO_TEST_REQUIRE_SERVERS=1`: a missing server is then a failure.
pub fn require_servers() -> bool {
    std::env::var("KIVIGO_TEST_REQUIRE_SERVERS").is_ok_and(|v| v == "1" || v == "true")
}

/// The URL of the test server for `backend` from `KIVIGO_TEST_<BACKEND>_URL`.
///
/// When it is unset the test is skipped with a message on stderr, unless
/// `KIVIGO_TEST_REQUIRE_SERVERS=1`, in which case this panics: CI never passes silently.
pub fn server_url(backend: &str) -> Option<String> {
    let var = format!("KIVIGO_TEST_{}_URL", backend.to_ascii_uppercase());
    match std::env::var(&var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if require_servers() => panic!(
            "{var} is not set and KIVIGO_TEST_REQUIRE_SERVERS=1; start the server with \
             `scripts/services start {}` and `eval \"$(scripts/services env)\"`",
            backend.to_ascii_lowercase()
        ),
        _ => {
            eprintln!("skipped: {var} is not set (scripts/test sets it)");
            None
        }
    }
}

/// Runs `case` against a fresh store from `harness`, then removes the keys and whatever else the
/// harness made, even when the case panics (the panic is then re-raised).
pub async fn run<H, C, F>(harness: &H, name: &str, case: C)
where
    H: Harness + ?Sized,
    C: FnOnce(Arc<dyn Backend>) -> F,
    F: Future<Output = ()>,
{
    let scope = format!("{}_{name}", run_id());
    let Some(backend) = harness.open(&scope).await else {
        return;
    };
    let outcome = AssertUnwindSafe(case(backend.clone())).catch_unwind().await;
    delete_everything(&backend).await;
    let _ = backend.close().await;
    harness.cleanup(&scope).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn delete_everything(backend: &Arc<dyn Backend>) {
    if let Ok(keys) = backend.list("").await
        && !keys.is_empty()
    {
        let _ = backend.batch_delete(&keys).await;
    }
}
