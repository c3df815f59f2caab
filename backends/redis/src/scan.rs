//! Scan pages over Redis SCAN: the MATCH pattern, the opaque cursor, and how one page is
//! filled from SCAN replies without ever holding more than the limit.

use std::collections::{HashSet, VecDeque};

use kivigo_core::{Error, Operation, Result};

/// `text` as a SCAN/KEYS glob that matches only itself: `*`, `?`, `[`, `]` and `\` are escaped.
pub(crate) fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The MATCH pattern of every key that starts with `prefix`.
pub(crate) fn match_pattern(prefix: &str) -> String {
    let mut pattern = escape_glob(prefix);
    pattern.push('*');
    pattern
}

/// Where a scan stands: the server's SCAN cursor, and keys that a SCAN reply gave beyond the
/// room of the page that asked for them, to be handed out first by the next page.
///
/// SCAN's COUNT is a hint: one reply can hold a few more keys than asked (a whole hash bucket),
/// and a page must not. Asking the same server cursor again would not give the extra keys back
/// reliably (the bucket may have changed), so they travel in the cursor. As text the cursor is
/// the server's cursor alone (`"1234"`) in the usual case, and otherwise the server's cursor
/// followed by each pending key as `,<length in bytes>:<key>`, where a server cursor of `0`
/// means that SCAN has walked the whole database and only the pending keys are left.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ScanCursor {
    /// The cursor of the next SCAN call (0 before the first one).
    pub server: u64,
    /// SCAN has come back to cursor 0: no SCAN call is left.
    pub walked: bool,
    /// Keys found but not yet returned.
    pub pending: VecDeque<String>,
}

impl ScanCursor {
    /// Reads a cursor that an earlier page returned.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid_argument(
                Operation::Scan,
                format!(
                    "{:?} is not a cursor of the redis backend (pass back a page's cursor \
                     unchanged)",
                    kivigo_core::backend::shorten(text)
                ),
            )
        };
        let (server, mut rest) = match text.find(',') {
            Some(comma) => text.split_at(comma),
            None => (text, ""),
        };
        if server.is_empty() || !server.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let server: u64 = server.parse().map_err(|_| invalid())?;
        let mut pending = VecDeque::new();
        while let Some(after_comma) = rest.strip_prefix(',') {
            let (length, tail) = after_comma.split_once(':').ok_or_else(invalid)?;
            if length.is_empty() || !length.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            let length: usize = length.parse().map_err(|_| invalid())?;
            if length == 0 || length > tail.len() || !tail.is_char_boundary(length) {
                return Err(invalid());
            }
            let (key, next) = tail.split_at(length);
            pending.push_back(key.to_owned());
            rest = next;
        }
        if !rest.is_empty() {
            return Err(invalid());
        }
        // `0` alone is where every SCAN starts; `0` with pending keys means the walk is over.
        let walked = server == 0 && !pending.is_empty();
        Ok(Self {
            server,
            walked,
            pending,
        })
    }

    /// The cursor as the page returns it, `None` when the scan is complete.
    pub(crate) fn next(&self) -> Option<String> {
        if self.walked && self.pending.is_empty() {
            return None;
        }
        let server = if self.walked { 0 } else { self.server };
        let mut text = server.to_string();
        for key in &self.pending {
            text.push(',');
            text.push_str(&key.len().to_string());
            text.push(':');
            text.push_str(key);
        }
        Some(text)
    }

    /// Notes the cursor a SCAN call returned.
    pub(crate) fn advance(&mut self, next: u64) {
        self.server = next;
        self.walked = next == 0;
    }
}

/// The keys of one page, each once, at most `limit`; keys beyond it go to the cursor.
#[derive(Debug)]
pub(crate) struct PageBuilder {
    limit: usize,
    keys: Vec<String>,
    seen: HashSet<String>,
}

impl PageBuilder {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            keys: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Room left in the page.
    pub(crate) fn room(&self) -> usize {
        self.limit - self.keys.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.keys.len() >= self.limit
    }

    /// Moves the cursor's pending keys that start with `prefix` into the page, as many as fit.
    pub(crate) fn take_pending(&mut self, cursor: &mut ScanCursor, prefix: &str) {
        cursor.pending.retain(|key| key.starts_with(prefix));
        while !self.is_full() {
            let Some(key) = cursor.pending.pop_front() else {
                break;
            };
            self.push(key, cursor);
        }
    }

    /// Adds a key SCAN returned: into the page while there is room, else to the cursor. A key
    /// SCAN returns twice (it may, while the server rehashes) is kept once.
    pub(crate) fn push(&mut self, key: String, cursor: &mut ScanCursor) {
        if self.seen.contains(&key) {
            return;
        }
        self.seen.insert(key.clone());
        if self.is_full() {
            cursor.pending.push_back(key);
        } else {
            self.keys.push(key);
        }
    }

    pub(crate) fn into_keys(self) -> Vec<String> {
        self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(escape_glob("plain:"), "plain:");
        assert_eq!(escape_glob(r"a*b?c[d]e\f"), r"a\*b\?c\[d\]e\\f");
        assert_eq!(escape_glob("p_%!.^$(|){1}+"), "p_%!.^$(|){1}+");
        assert_eq!(match_pattern("a*"), r"a\**");
        assert_eq!(match_pattern(""), "*");
    }

    #[test]
    fn a_cursor_is_the_server_cursor_unless_keys_are_pending() {
        let mut cursor = ScanCursor::default();
        cursor.advance(1234);
        assert_eq!(cursor.next().as_deref(), Some("1234"));
        assert_eq!(ScanCursor::parse("1234").expect("parse"), cursor);
        cursor.advance(0);
        assert_eq!(
            cursor.next(),
            None,
            "SCAN came back to 0: the scan is complete"
        );
    }

    #[test]
    fn pending_keys_round_trip_whatever_they_hold() {
        let keys = ["a,b", "12:3", "ключ", ",", "x"];
        for server in [0, 77] {
            let mut cursor = ScanCursor::default();
            cursor.advance(server);
            cursor.pending = keys.iter().map(|k| (*k).to_owned()).collect();
            let text = cursor.next().expect("pending keys keep the scan going");
            assert_eq!(ScanCursor::parse(&text).expect("parse"), cursor, "{text}");
        }
        let finished = ScanCursor::parse("0,1:x").expect("parse");
        assert!(finished.walked, "0 with pending keys means no SCAN is left");
        assert!(
            !ScanCursor::parse("0").expect("parse").walked,
            "0 alone starts over"
        );
    }

    #[test]
    fn foreign_cursors_are_invalid_arguments() {
        for bad in [
            "",
            "x",
            "-1",
            "1,",
            "1,2",
            "1,2:a",
            "1,0:",
            "1,1:ab",
            "1,a:b",
            "99999999999999999999",
            "1,1:é",
            " 1",
        ] {
            assert!(
                matches!(
                    ScanCursor::parse(bad),
                    Err(Error::InvalidArgument {
                        operation: Operation::Scan,
                        ..
                    })
                ),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn a_page_never_holds_more_than_its_limit() {
        let mut cursor = ScanCursor::default();
        let mut page = PageBuilder::new(2);
        for key in ["a", "b", "a", "c", "d"] {
            page.push(key.to_owned(), &mut cursor);
        }
        assert!(page.is_full());
        assert_eq!(page.into_keys(), ["a", "b"]);
        assert_eq!(cursor.pending, ["c", "d"]);
        let mut next = PageBuilder::new(1);
        next.take_pending(&mut cursor, "");
        assert_eq!(next.into_keys(), ["c"]);
        assert_eq!(cursor.pending, ["d"]);
        // Pending keys outside the prefix asked for now are dropped, never returned.
        let mut other = PageBuilder::new(5);
        other.take_pending(&mut cursor, "zz");
        assert!(other.into_keys().is_empty() && cursor.pending.is_empty());
    }
}
