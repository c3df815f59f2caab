//! The conformance suite against a backend that reports nothing beyond get, set, delete and
//! the batches: no list, scan, expiry, conditional writes, counters or batch_write. Every case
//! that needs one of those must find it refused with `Unsupported` and stop — the branch the
//! memory backend, which can do everything, never takes.

use std::sync::Arc;
use std::time::Duration;

use kivigo_core::backend::validate;
use kivigo_core::conformance::Harness;
use kivigo_core::layer::{Forward, layered};
use kivigo_core::{
    Backend, Capabilities, Entry, Error, KeyTtl, MemoryBackend, Operation, Result, ScanPage,
    WriteOp, async_trait,
};

const CAPABILITIES: Capabilities = Capabilities::new("bare");

/// A memory store that can only do what [`Capabilities::new`] says, and says so.
#[derive(Debug, Default)]
struct Bare {
    inner: MemoryBackend,
}

fn refuse<T>(operation: Operation) -> Result<T> {
    Err(Error::unsupported(CAPABILITIES.name, operation))
}

#[async_trait]
impl Forward for Bare {
    fn inner(&self) -> &dyn Backend {
        &self.inner
    }
    fn capabilities(&self) -> &Capabilities {
        &CAPABILITIES
    }
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        validate::check_ttl(&CAPABILITIES, Operation::Set, ttl)?;
        self.inner.set(key, value, None).await
    }
    async fn batch_set(&self, entries: &[Entry], ttl: Option<Duration>) -> Result<()> {
        validate::check_batch_set(&CAPABILITIES, entries, ttl)?;
        self.inner.batch_set(entries, None).await
    }
    async fn ttl(&self, _key: &str) -> Result<KeyTtl> {
        refuse(Operation::Ttl)
    }
    async fn expire(&self, _key: &str, _ttl: Option<Duration>) -> Result<bool> {
        refuse(Operation::Expire)
    }
    async fn set_if_absent(&self, _: &str, _: &[u8], _: Option<Duration>) -> Result<bool> {
        refuse(Operation::SetIfAbsent)
    }
    async fn compare_and_swap(&self, _: &str, _: Option<&[u8]>, _: Option<&[u8]>) -> Result<bool> {
        refuse(Operation::CompareAndSwap)
    }
    async fn increment(&self, _key: &str, _delta: i64) -> Result<i64> {
        refuse(Operation::Increment)
    }
    async fn list(&self, _prefix: &str) -> Result<Vec<String>> {
        refuse(Operation::List)
    }
    async fn scan(&self, _: &str, _: Option<&str>, _: usize) -> Result<ScanPage> {
        refuse(Operation::Scan)
    }
    async fn batch_write(&self, _ops: &[WriteOp]) -> Result<()> {
        refuse(Operation::BatchWrite)
    }
}

struct BareHarness;

#[async_trait]
impl Harness for BareHarness {
    async fn open(&self, _scope: &str) -> Option<Arc<dyn Backend>> {
        Some(layered(Bare::default()))
    }
}

kivigo_core::conformance_tests!(BareHarness);
