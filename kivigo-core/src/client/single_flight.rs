//! `get_or_set_with`: compute a missing value once per key in this process, however many tasks
//! ask for it at the same time.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use super::Client;
use crate::{Backend, Codec, Error};

/// The bytes a finished computation left for the callers that waited for it.
type Slot = tokio::sync::Mutex<Option<Vec<u8>>>;

/// A computation's identity: the backend (by address, so every client over the same store in
/// this process shares it) and the key.
type FlightKey = (usize, String);

/// Computations in flight in this process. A key's slot lives while some caller holds it.
static FLIGHTS: LazyLock<Mutex<HashMap<FlightKey, Weak<Slot>>>> = LazyLock::new(Mutex::default);

/// The slot of `key` on `backend`, shared with every caller currently waiting on it.
fn join(backend: &Arc<dyn Backend>, key: &str) -> Flight {
    let id = (Arc::as_ptr(backend).cast::<()>() as usize, key.to_owned());
    let mut slots = FLIGHTS.lock().unwrap_or_else(|p| p.into_inner());
    let slot = match slots.get(&id).and_then(Weak::upgrade) {
        Some(slot) => slot,
        None => {
            let slot = Arc::new(Slot::default());
            slots.insert(id.clone(), Arc::downgrade(&slot));
            slot
        }
    };
    Flight { id, slot }
}

/// One caller's hold on a slot; the last one out removes the slot from the map.
struct Flight {
    id: FlightKey,
    slot: Arc<Slot>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        // Under the map's lock nobody can join, so a count of one means this is the last hold.
        let mut slots = FLIGHTS.lock().unwrap_or_else(|p| p.into_inner());
        let ours = slots
            .get(&self.id)
            .is_some_and(|weak| std::ptr::eq(weak.as_ptr(), Arc::as_ptr(&self.slot)));
        if ours && Arc::strong_count(&self.slot) == 1 {
            slots.remove(&self.id);
        }
    }
}

impl<C: Codec> Client<C> {
    /// The value of `key`; when it is missing, `compute` makes it, it is stored for `ttl`
    /// (`None`: persistently) and returned — the cache-aside pattern in one call.
    ///
    /// Concurrent callers for the same key of the same store in this process (through any
    /// client over it) share one computation: the first
    /// computes, the others wait and get its value. If it fails, its caller gets the error and
    /// the next waiter computes again. Other processes may compute too; the last write wins.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> kivigo_core::Result<()> {
    /// use std::time::Duration;
    /// let client = kivigo_core::Client::new(kivigo_core::MemoryBackend::new());
    /// let report: String = client
    ///     .get_or_set_with("report:today", Some(Duration::from_secs(60)), || async {
    ///         Ok::<_, kivigo_core::Error>("expensive result".to_owned())
    ///     })
    ///     .await?;
    /// assert_eq!(report, "expensive result");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_or_set_with<T, F, Fut, E>(
        &self,
        key: &str,
        ttl: Option<Duration>,
        compute: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        if let Some(found) = self.get(key).await? {
            return Ok(found);
        }
        let flight = join(&self.backend, key);
        let mut shared = flight.slot.lock().await;
        if let Some(bytes) = shared.as_ref() {
            return Ok(self.decode(key, bytes)?);
        }
        // Someone may have stored it between our read and our turn (another process, or a
        // computation whose callers all left).
        if let Some(found) = self.get(key).await? {
            return Ok(found);
        }
        let value = compute().await?;
        let bytes = self.encode(key, &value)?;
        self.set_raw(key, &bytes, ttl).await?;
        *shared = Some(bytes);
        Ok(value)
    }
}
