//! memcached's key rules, checked before any I/O, and the key as the server sees it.

use kivigo_core::{Error, Result};

/// memcached's limit on a key, in bytes, prefix included.
pub const MAX_KEY_BYTES: usize = 250;

/// Bytes of an item that are not the value, at most: memcached stores a header (48 bytes on
/// 64-bit builds), the CAS (8), the key and its terminator (up to 251), the value's `\r\n` (2)
/// and the client flags (4). The largest value kivigo accepts is the item size limit minus
/// this, rounded up to leave room for other builds' headers.
pub const ITEM_OVERHEAD: usize = 1024;

/// True for the bytes memcached's text protocols cannot carry in a key: ASCII space and the
/// control characters (0x00-0x1F and 0x7F). Bytes of multi-byte UTF-8 characters are all 0x80
/// or above, so any other Unicode key goes through as it is.
fn forbidden(byte: u8) -> bool {
    byte <= b' ' || byte == 0x7f
}

/// Describes the first forbidden character of `text`, if any.
fn first_forbidden(text: &str) -> Option<String> {
    if !text.bytes().any(forbidden) {
        return None;
    }
    text.bytes()
        .position(forbidden)
        .map(|at| format!("{:?} at byte {at}", char::from(text.as_bytes()[at])))
}

/// Checks a key against memcached's rules: not empty, at most `max` bytes (250 minus the
/// prefix), no space or control character. The error names the rule that failed.
pub fn check(key: &str, prefix: &str, max: usize) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_key(key, "keys must not be empty"));
    }
    if key.len() > max {
        let reason = if prefix.is_empty() {
            format!(
                "key is {} bytes; memcached keys are at most {MAX_KEY_BYTES} bytes",
                key.len()
            )
        } else {
            format!(
                "key is {} bytes; memcached keys are at most {MAX_KEY_BYTES} bytes and the \
                 prefix {prefix:?} takes {} of them, which leaves {max}",
                key.len(),
                prefix.len()
            )
        };
        return Err(Error::invalid_key(key, reason));
    }
    if let Some(found) = first_forbidden(key) {
        return Err(Error::invalid_key(
            key,
            format!("memcached keys cannot contain spaces or control characters (found {found})"),
        ));
    }
    Ok(())
}

/// Checks a configured prefix: the same characters as keys, and room left for a key.
pub fn check_prefix(prefix: &str) -> Result<()> {
    if prefix.len() >= MAX_KEY_BYTES {
        return Err(Error::config(format!(
            "memcached prefix is {} bytes; it must be shorter than the {MAX_KEY_BYTES}-byte key \
             limit it counts towards",
            prefix.len()
        )));
    }
    if let Some(found) = first_forbidden(prefix) {
        return Err(Error::config(format!(
            "memcached prefix cannot contain spaces or control characters (found {found})"
        )));
    }
    Ok(())
}

/// The largest key kivigo accepts with this prefix.
pub fn max_key_len(prefix: &str) -> usize {
    MAX_KEY_BYTES - prefix.len()
}

/// Builds the key sent to the server in `buffer` (reused across a batch) and returns it.
pub fn wire<'a>(buffer: &'a mut Vec<u8>, prefix: &str, key: &str) -> &'a [u8] {
    buffer.clear();
    buffer.extend_from_slice(prefix.as_bytes());
    buffer.extend_from_slice(key.as_bytes());
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<()>) -> String {
        match result {
            Err(Error::InvalidKey { reason, .. }) => reason,
            other => panic!("expected InvalidKey, got {other:?}"),
        }
    }

    #[test]
    fn length_counts_bytes_and_the_prefix() {
        assert!(check(&"k".repeat(250), "", 250).is_ok());
        assert!(reason(check(&"k".repeat(251), "", 250)).contains("at most 250 bytes"));
        let max = max_key_len("app:");
        assert_eq!(max, 246);
        assert!(check(&"k".repeat(246), "app:", max).is_ok());
        let why = reason(check(&"k".repeat(247), "app:", max));
        assert!(why.contains("prefix") && why.contains("246"), "{why}");
        // 125 two-byte characters are 250 bytes.
        assert!(check(&"é".repeat(125), "", 250).is_ok());
        assert!(check(&"é".repeat(126), "", 250).is_err());
    }

    #[test]
    fn spaces_and_control_characters_are_refused() {
        for bad in [
            "a b",
            "tab\there",
            "new\nline",
            "cr\r",
            "nul\0",
            "del\u{7f}",
        ] {
            let why = reason(check(bad, "", 250));
            assert!(
                why.contains("spaces or control characters"),
                "{bad:?}: {why}"
            );
        }
        assert!(reason(check("", "", 250)).contains("empty"));
    }

    #[test]
    fn unicode_and_punctuation_are_fine() {
        for good in ["ключ", "日本語/キー", "emoji-🔑", "a:b|c{d}%_*?[\\"] {
            assert!(check(good, "", 250).is_ok(), "{good}");
        }
    }

    #[test]
    fn prefixes_follow_the_same_rules() {
        assert!(check_prefix("app:").is_ok());
        assert!(check_prefix("").is_ok());
        assert!(check_prefix("a b").is_err());
        assert!(check_prefix(&"p".repeat(250)).is_err());
        assert!(check_prefix(&"p".repeat(249)).is_ok());
    }
}
