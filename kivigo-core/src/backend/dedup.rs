//! De-duplicating the keys of a batch: each key once, and the last write of a key wins.

use std::collections::{HashMap, HashSet};

use crate::{Entry, WriteOp};

/// The distinct keys of a batch, in first-seen order.
pub fn unique(keys: &[String]) -> impl Iterator<Item = &String> {
    let mut seen = HashSet::with_capacity(keys.len());
    keys.iter().filter(move |key| seen.insert(key.as_str()))
}

/// The entries of a batch write with earlier duplicates removed, so that the last write for each
/// key is the one kept. Order of first appearance is kept.
pub fn last_write_wins(entries: &[Entry]) -> Vec<&Entry> {
    last_wins(entries, |(key, _)| key)
}

/// The operations of a [`batch_write`](crate::Backend::batch_write) with earlier operations on
/// the same key removed, so that the last one is kept. Order of first appearance is kept.
pub fn last_op_wins(ops: &[WriteOp]) -> Vec<&WriteOp> {
    last_wins(ops, WriteOp::key)
}

fn last_wins<T>(items: &[T], key: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut last = HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        last.insert(key(item), index);
    }
    items
        .iter()
        .enumerate()
        .filter(|(index, item)| last.get(key(item)) == Some(index))
        .map(|(_, item)| item)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keeps_first_seen_order() {
        let keys: Vec<String> = ["b", "a", "b", "c", "a"].map(String::from).to_vec();
        let got: Vec<&str> = unique(&keys).map(String::as_str).collect();
        assert_eq!(got, ["b", "a", "c"]);
    }

    #[test]
    fn last_write_wins_keeps_the_last_value() {
        let entries: Vec<Entry> = vec![
            ("a".into(), b"1".to_vec()),
            ("b".into(), b"2".to_vec()),
            ("a".into(), b"3".to_vec()),
        ];
        let kept = last_write_wins(&entries);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0], &("b".to_string(), b"2".to_vec()));
        assert_eq!(kept[1], &("a".to_string(), b"3".to_vec()));
    }

    #[test]
    fn last_op_wins_keeps_a_delete_after_a_put() {
        let ops = vec![
            WriteOp::put("a", b"1".to_vec()),
            WriteOp::delete("b"),
            WriteOp::delete("a"),
            WriteOp::put("b", b"2".to_vec()),
        ];
        let kept = last_op_wins(&ops);
        assert_eq!(
            kept,
            [&WriteOp::delete("a"), &WriteOp::put("b", b"2".to_vec())]
        );
    }
}
