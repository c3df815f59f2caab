//! memcached's limits and the sizes kivigo cuts its batches to, in one place.

use kivigo_core::KeyRules;

/// memcached's limit on a key, in bytes: the whole key the server sees, so a
/// [`Prefix`](kivigo_core::layer::Prefix) layer's prefix counts towards it (the layer lowers the
/// `max_key_size` it reports by the prefix's length).
pub const MAX_KEY_BYTES: usize = 250;

/// The bytes memcached's text protocols cannot carry in a key: ASCII space and the control
/// characters (0x00-0x1F and 0x7F). Bytes of multi-byte UTF-8 characters are all 0x80 or above, so
/// any other Unicode key goes through as it is. Reported in the capabilities, so kivigo checks
/// them once, before any I/O, for the backend and for every layer above it.
pub const KEY_RULES: KeyRules =
    KeyRules::forbid_range(0x00, 0x20, "spaces or control characters").and(0x7f);

/// Bytes of an item that are not the value, at most: memcached stores a header (48 bytes on
/// 64-bit builds), the CAS (8), the key and its terminator (up to 251), the value's `\r\n` (2)
/// and the client flags (4). The largest value kivigo accepts is the item size limit minus
/// this, rounded up to leave room for other builds' headers.
pub const ITEM_OVERHEAD: usize = 1024;

/// memcached's default item size limit (`-I 1m`), used when the server does not say.
pub(crate) const DEFAULT_ITEM_SIZE_MAX: usize = 1 << 20;

/// Most commands in one pipelined exchange with a server.
pub(crate) const CHUNK_OPS: usize = 1000;

/// Most key and value bytes in one chunk of a `batch_set` or `batch_write`, so that one
/// exchange stays well within the timeout. A single larger entry still goes alone.
pub(crate) const CHUNK_SET_BYTES: usize = 2 << 20;

/// Most request bytes in one chunk of a `batch_get` or `batch_delete`. The client writes a whole
/// chunk before reading the answers; keeping the request small enough for the sockets' buffers
/// means the server never waits for us to read while we wait for it to read.
pub(crate) const CHUNK_KEY_BYTES: usize = 64 << 10;

/// Bytes of a meta command line besides the key (`mg `, flags, opaque token, `\r\n`).
pub(crate) const COMMAND_OVERHEAD: usize = 24;

/// The largest exptime memcached reads as a number of seconds from now (30 days); a larger one
/// is a Unix time.
pub(crate) const MAX_RELATIVE_SECS: u64 = 30 * 24 * 60 * 60;

/// The latest Unix time memcached takes as an exptime: it parses the token as a signed 32-bit
/// number, stores a later one (2038-01-19T03:14:08Z on) and treats it as already expired.
pub(crate) const LATEST_EXPTIME: u64 = i32::MAX as u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_rules_are_memcached_s() {
        for bad in [
            "a b",
            "tab\there",
            "new\nline",
            "cr\r",
            "nul\0",
            "del\u{7f}",
        ] {
            assert!(KEY_RULES.first_forbidden(bad).is_some(), "{bad:?}");
        }
        for good in ["ключ", "日本語/キー", "emoji-🔑", "a:b|c{d}%_*?[\\~"] {
            assert_eq!(KEY_RULES.first_forbidden(good), None, "{good:?}");
        }
    }
}
