//! Cursor scans: one page of keys at a time, resumable from an opaque cursor.

/// One page of a [`scan`](crate::Backend::scan).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScanPage {
    /// The keys of this page: at most the `limit` asked for, possibly none.
    pub keys: Vec<String>,
    /// Where the next page starts, `None` when the scan is complete. The text is opaque: store
    /// it and hand it back to `scan` with the same prefix, nothing else.
    pub cursor: Option<String>,
}

impl ScanPage {
    /// A page with these keys, followed by the page at `cursor` (`None`: the last page).
    pub fn new(keys: Vec<String>, cursor: Option<String>) -> Self {
        Self { keys, cursor }
    }

    /// Whether this is the last page.
    pub fn is_last(&self) -> bool {
        self.cursor.is_none()
    }
}

/// In which order a backend's scan pages come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanOrder {
    /// Keys come in ascending byte order across all pages, each exactly once (SQL, sled, etcd,
    /// MongoDB, memory). A key written or deleted during the scan may or may not be seen,
    /// depending on whether it sorts before or after the cursor.
    Sorted,
    /// Keys come in no particular order and a key may appear more than once (Redis SCAN). Every
    /// key that exists for the whole scan is returned at least once.
    Unordered,
}
