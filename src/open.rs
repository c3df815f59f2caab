//! Opening a store from a URL.

use std::sync::Arc;

use kivigo_core::{Backend, BackendUrl, Client, Result};

use crate::generic;
use crate::registry::{BACKENDS, enabled_schemes, opener};

/// Opens the store `url` names and returns a JSON [`Client`] over it.
///
/// `memory://`, `sled://./data`, and the schemes of every backend whose cargo feature is on.
/// Query parameters are the backend's options, plus the options every store accepts (`prefix`).
/// An unknown scheme, an unknown option or a scheme whose feature is off is an
/// [`Error::Config`](kivigo_core::Error::Config) that says what is available.
pub async fn open(url: &str) -> Result<Client> {
    Ok(Client::from_arc(open_backend(url).await?))
}

/// Opens the store `url` names and returns the raw backend (to wrap, share, or pair with another
/// codec through [`Client::with_codec`]), with the layers its generic options ask for.
pub async fn open_backend(url: &str) -> Result<Arc<dyn Backend>> {
    let url = BackendUrl::parse(url)?;
    let open = opener(BACKENDS, &url)?;
    let (url, layers) = generic::split(&url)?;
    let store = open(url).await?;
    generic::apply(store, layers).await
}

/// The URL schemes this build can open, in registration order.
pub fn schemes() -> Vec<&'static str> {
    enabled_schemes(BACKENDS)
}
