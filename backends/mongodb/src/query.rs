//! Filters and chunk sizes: the parts of a request that MongoDB's limits shape.

use mongodb::bson::{Bson, Document, doc};

/// At most this many keys per `$in` read or delete, and entries per `update` command.
pub(crate) const CHUNK_KEYS: usize = 1000;

/// At most this many key bytes in one `$in` list: the filter must stay well under the 16 MiB
/// document limit whatever the key sizes.
pub(crate) const CHUNK_KEY_BYTES: usize = 8 << 20;

/// At most this many bytes of keys and values in one `update` command. A command may be
/// 16 MiB + 16 KiB; this leaves room for the command's own fields. An entry larger than this on
/// its own still goes, alone, in its own command (it fits: see `MAX_VALUE_SIZE`).
pub(crate) const CHUNK_WRITE_BYTES: usize = 15 << 20;

/// Bytes one update statement costs beyond its key and value (field names, types, lengths).
pub(crate) const STATEMENT_OVERHEAD: usize = 64;

/// `{_id: {$in: [keys...]}}`.
pub(crate) fn ids_in<K: AsRef<str>>(keys: &[K]) -> Document {
    let ids: Vec<Bson> = keys
        .iter()
        .map(|key| Bson::String(key.as_ref().to_owned()))
        .collect();
    doc! { "_id": { "$in": ids } }
}

/// `{_id: {$regex: "^<prefix, escaped>"}}`: every string `_id` starting with `prefix`, compared
/// byte for byte (no `i` option, so case matters).
///
/// The pattern is given as a string rather than a BSON regular expression: MongoDB takes both,
/// and the string form also works on servers that only speak it. Every ASCII punctuation
/// character is escaped with a backslash, which both PCRE (MongoDB) and Python's `re` read as
/// that character itself; NUL, which a pattern cannot hold, is written `\x00`. Letters, digits
/// and non-ASCII characters stand for themselves.
pub(crate) fn id_prefix(prefix: &str) -> Document {
    doc! { "_id": { "$regex": prefix_pattern(prefix) } }
}

fn prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() * 2 + 1);
    pattern.push('^');
    for c in prefix.chars() {
        if c == '\0' {
            pattern.push_str("\\x00");
        } else {
            if c.is_ascii_punctuation() {
                pattern.push('\\');
            }
            pattern.push(c);
        }
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_every_metacharacter() {
        assert_eq!(prefix_pattern(""), "^");
        assert_eq!(prefix_pattern("user:1"), r"^user\:1");
        assert_eq!(
            prefix_pattern(r"a.*+?^$()[]{}|\/-"),
            r"^a\.\*\+\?\^\$\(\)\[\]\{\}\|\\\/\-"
        );
        assert_eq!(prefix_pattern("日本 語\n"), "^日本 語\n");
        assert_eq!(prefix_pattern("a\0b"), r"^a\x00b");
    }
}
