//! Open/closed state shared by every backend: a handle that can be taken away exactly once.

use std::sync::RwLock;

use crate::{Error, Result};

/// Holds a backend's connection (pool, database, tree...) until `close`.
///
/// `get` hands out a clone of the handle, so no lock is held across an `.await`; `take` removes
/// it, after which `get` returns [`Error::Closed`]. Closing twice is fine: the second `take`
/// returns `None`.
#[derive(Debug)]
pub struct OpenHandle<T> {
    backend: &'static str,
    inner: RwLock<Option<T>>,
}

impl<T: Clone> OpenHandle<T> {
    /// Wraps an open handle for the named backend.
    pub fn new(backend: &'static str, handle: T) -> Self {
        Self {
            backend,
            inner: RwLock::new(Some(handle)),
        }
    }

    /// A clone of the handle, or [`Error::Closed`] after [`OpenHandle::take`].
    pub fn get(&self) -> Result<T> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or(Error::Closed {
                backend: self.backend,
            })
    }

    /// Removes the handle. Returns it the first time, `None` afterwards.
    pub fn take(&self) -> Option<T> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_closes_once() {
        let handle = OpenHandle::new("t", 7);
        assert_eq!(handle.get().ok(), Some(7));
        assert_eq!(handle.take(), Some(7));
        assert_eq!(handle.take(), None);
        assert!(matches!(handle.get(), Err(Error::Closed { backend: "t" })));
    }
}
