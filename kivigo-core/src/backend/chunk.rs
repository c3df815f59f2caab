//! Splitting a batch to fit a store's limits: every backend's batches go through this.

/// Splits `items` into consecutive runs of at most `max_items` items whose summed `weight` stays
/// within `max_bytes`. An item heavier than `max_bytes` on its own gets a run to itself, so every
/// item is sent exactly once, in order, and no run is empty. A `max_items` of 0 counts as 1.
pub fn chunks<T>(
    items: &[T],
    max_items: usize,
    max_bytes: usize,
    weight: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    let max_items = max_items.max(1);
    let mut runs = Vec::with_capacity(items.len().div_ceil(max_items));
    let (mut start, mut bytes) = (0, 0_usize);
    for (index, item) in items.iter().enumerate() {
        let item_bytes = weight(item);
        let len = index - start;
        if len > 0 && (len == max_items || bytes.saturating_add(item_bytes) > max_bytes) {
            runs.push(&items[start..index]);
            (start, bytes) = (index, 0);
        }
        bytes = bytes.saturating_add(item_bytes);
    }
    if start < items.len() {
        runs.push(&items[start..]);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::chunks;

    fn lens(runs: Vec<&[usize]>) -> Vec<usize> {
        runs.iter().map(|run| run.len()).collect()
    }

    #[test]
    fn runs_respect_the_item_count() {
        assert_eq!(lens(chunks(&[1; 5], 2, 100, |w| *w)), [2, 2, 1]);
        assert_eq!(
            lens(chunks(&vec![1; 2500], 1000, usize::MAX, |w| *w)),
            [1000, 1000, 500]
        );
        assert_eq!(lens(chunks(&[1; 3], 0, 100, |w| *w)), [1, 1, 1]);
    }

    #[test]
    fn runs_respect_the_byte_budget_and_keep_order() {
        let sizes = [3, 3, 3, 10, 1, 1, 1, 1];
        let runs = chunks(&sizes, 3, 7, |s| *s);
        assert_eq!(
            runs,
            vec![&[3, 3][..], &[3][..], &[10][..], &[1, 1, 1][..], &[1][..]]
        );
        assert_eq!(runs.concat(), sizes, "every item once, in order");
    }

    #[test]
    fn an_item_over_the_budget_goes_alone_and_empty_input_gives_no_run() {
        assert_eq!(lens(chunks(&[1, 50, 1], 10, 10, |w| *w)), [1, 1, 1]);
        assert_eq!(
            lens(chunks(&[usize::MAX, usize::MAX], 10, 10, |w| *w)),
            [1, 1]
        );
        assert!(chunks::<usize>(&[], 3, 3, |w| *w).is_empty());
    }
}
