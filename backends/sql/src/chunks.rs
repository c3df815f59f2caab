//! Splitting a batch into statements that stay under an engine's limits.

/// Splits `items` into consecutive runs of at most `max_items` items whose summed `weight` stays
/// within `max_bytes`. An item heavier than `max_bytes` on its own gets a run to itself, so every
/// item is sent exactly once and no run is empty.
pub(crate) fn chunks<T>(
    items: &[T],
    max_items: usize,
    max_bytes: usize,
    weight: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    let max_items = max_items.max(1);
    let mut runs = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (index, item) in items.iter().enumerate() {
        let w = weight(item);
        let len = index - start;
        if len > 0 && (len == max_items || bytes + w > max_bytes) {
            runs.push(&items[start..index]);
            start = index;
            bytes = 0;
        }
        bytes += w;
    }
    if start < items.len() {
        runs.push(&items[start..]);
    }
    runs
}

/// The smallest byte string greater than every string that starts with `prefix`, or `None` when
/// there is none (the prefix is empty or all `0xFF`). UTF-8 never contains `0xFF`, so a non-empty
/// key prefix always has one.
pub(crate) fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_respect_count_and_bytes() {
        let items = [1, 1, 1, 1, 1];
        let lens = |runs: Vec<&[usize]>| runs.iter().map(|r| r.len()).collect::<Vec<_>>();
        assert_eq!(lens(chunks(&items, 2, 100, |w| *w)), [2, 2, 1]);
        assert_eq!(lens(chunks(&items, 10, 3, |w| *w)), [3, 2]);
        let heavy = [1, 50, 1];
        assert_eq!(lens(chunks(&heavy, 10, 10, |w| *w)), [1, 1, 1]);
        assert!(chunks::<usize>(&[], 3, 3, |w| *w).is_empty());
    }

    #[test]
    fn successor_bounds_the_prefix() {
        assert_eq!(successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(successor(b"\xff\xff"), None);
        assert_eq!(successor(b""), None);
        let end = successor("日本".as_bytes()).expect("bounded");
        assert!("日本語/キー".as_bytes() < end.as_slice());
        assert!("日本".as_bytes() < end.as_slice());
    }
}
