//! Streams over a keyspace: keys, or keys with their values, a page at a time.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

use super::Client;
use crate::{Codec, Result, ScanPage};

/// Keys per scan page in [`Client::keys`] and [`Client::entries`].
pub const DEFAULT_PAGE_SIZE: usize = 1000;

impl<C: Codec> Client<C> {
    /// One page of at most `limit` keys under `prefix`, from `cursor` (`None`: the start). Keep
    /// the page's cursor to resume later, even from another process.
    pub async fn scan(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<ScanPage> {
        crate::backend::validate::check_scan(limit)?;
        self.backend.scan(prefix, cursor, limit).await
    }

    /// Every key under `prefix`, as a stream of pages of at most `page_size` keys (empty pages
    /// are skipped). Memory stays bounded by one page, however large the keyspace.
    pub fn key_pages(
        &self,
        prefix: impl Into<String>,
        page_size: usize,
    ) -> BoxStream<'static, Result<Vec<String>>> {
        let backend = self.backend.clone();
        let prefix = prefix.into();
        // The state: the cursor of the next page, `None` once the last page was read.
        let start: Option<Option<String>> = Some(None);
        stream::try_unfold(start, move |state| {
            let backend = backend.clone();
            let prefix = prefix.clone();
            async move {
                let Some(cursor) = state else {
                    return Ok(None);
                };
                crate::backend::validate::check_scan(page_size)?;
                let page = backend.scan(&prefix, cursor.as_deref(), page_size).await?;
                let next = page.cursor.map(Some);
                Ok(Some((page.keys, next)))
            }
        })
        .try_filter(|keys| std::future::ready(!keys.is_empty()))
        .boxed()
    }

    /// Every key under `prefix`, streamed page by page ([`DEFAULT_PAGE_SIZE`] keys per page).
    ///
    /// On stores whose scans are sorted (see [`crate::Capabilities::scan`]) the keys come in
    /// order, each once; on Redis, in no order and possibly repeated.
    pub fn keys(&self, prefix: impl Into<String>) -> BoxStream<'static, Result<String>> {
        self.key_pages(prefix, DEFAULT_PAGE_SIZE)
            .map_ok(|keys| stream::iter(keys.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every entry under `prefix` with its value decoded as `T`: a scan page of keys, then one
    /// batch read of their values, and so on. Keys deleted between the two are skipped.
    pub fn entries<T>(&self, prefix: impl Into<String>) -> BoxStream<'static, Result<(String, T)>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        self.entries_raw(prefix)
            .and_then(move |(key, bytes)| {
                let decoded = client.decode(&key, &bytes).map(|value| (key, value));
                std::future::ready(decoded)
            })
            .boxed()
    }

    /// Every entry under `prefix` with its stored bytes, page by page as [`Client::entries`].
    pub fn entries_raw(
        &self,
        prefix: impl Into<String>,
    ) -> BoxStream<'static, Result<(String, Vec<u8>)>> {
        let backend = self.backend.clone();
        self.key_pages(prefix, DEFAULT_PAGE_SIZE)
            .and_then(move |keys| {
                let backend = backend.clone();
                async move {
                    let mut found = backend.batch_get(&keys).await?;
                    let page: Vec<Result<(String, Vec<u8>)>> = keys
                        .into_iter()
                        .filter_map(|key| {
                            let value = found.remove(&key)?;
                            Some(Ok((key, value)))
                        })
                        .collect();
                    Ok(stream::iter(page))
                }
            })
            .try_flatten()
            .boxed()
    }
}
