//! etcd's request limits and how batches are cut to fit them.

/// etcd's default `--max-request-bytes`: the largest request (a put, or a whole Txn) a member
/// accepts, 1.5 MiB.
pub const MAX_REQUEST_BYTES: usize = 1_572_864;

/// etcd's default `--max-txn-ops`: the most operations one Txn may hold. A Txn of 200 fails with
/// "too many operations in txn request".
pub const MAX_TXN_OPS: usize = 128;

/// Room kept in every request for what is not keys and values: the raft request header, the
/// user name of an authenticated client, protobuf framing of the Txn itself.
pub(crate) const REQUEST_OVERHEAD: usize = 4096;

/// Protobuf framing of one operation inside a Txn (tags and lengths of the op, the request and
/// its key and value fields), rounded up.
pub(crate) const OP_OVERHEAD: usize = 32;

/// Longest configured key prefix, in bytes.
pub const MAX_PREFIX_SIZE: usize = 4096;

/// Longest key, in bytes. etcd has no key limit of its own beyond the request size; this one
/// keeps room for the largest value next to the longest key.
pub const MAX_KEY_SIZE: usize = 65_536;

/// Largest value, in bytes: what is left of a request once the longest prefix and key and the
/// overheads are counted (1,499,104 bytes, about 1.43 MiB). Anything larger is refused with
/// `ValueTooLarge` before it is sent.
pub const MAX_VALUE_SIZE: usize =
    MAX_REQUEST_BYTES - REQUEST_OVERHEAD - MAX_PREFIX_SIZE - MAX_KEY_SIZE - OP_OVERHEAD;

/// Bytes of keys, values and per-op framing one request may carry.
const CHUNK_BUDGET: usize = MAX_REQUEST_BYTES - REQUEST_OVERHEAD;

/// Cuts `items` into Txn-sized chunks, in order: at most [`MAX_TXN_OPS`] items per chunk, and
/// their `size` (key and value bytes) plus [`OP_OVERHEAD`] each within the request limit. An item
/// is never split; one item always fits, because keys and values were checked against
/// [`MAX_KEY_SIZE`] and [`MAX_VALUE_SIZE`] before.
pub(crate) fn chunks<T>(items: &[T], size: impl Fn(&T) -> usize) -> Vec<&[T]> {
    kivigo_core::backend::chunks(items, MAX_TXN_OPS, CHUNK_BUDGET, |item| {
        size(item) + OP_OVERHEAD
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The largest entry fills one request exactly, and a 1 MiB value fits.
    const _: () =
        assert!(MAX_PREFIX_SIZE + MAX_KEY_SIZE + MAX_VALUE_SIZE + OP_OVERHEAD == CHUNK_BUDGET);
    const _: () = assert!(MAX_VALUE_SIZE > 1 << 20);

    #[test]
    fn chunks_respect_the_op_count() {
        let items: Vec<usize> = (0..300).collect();
        let cut = chunks(&items, |_| 10);
        let sizes: Vec<usize> = cut.iter().map(|chunk| chunk.len()).collect();
        assert_eq!(sizes, [128, 128, 44]);
        assert_eq!(cut.concat(), items, "order kept");
    }

    #[test]
    fn chunks_respect_the_byte_budget() {
        let big = 600 * 1024;
        let bigs = vec![big; 5];
        let cut = chunks(&bigs, |size| *size);
        let sizes: Vec<usize> = cut.iter().map(|chunk| chunk.len()).collect();
        assert_eq!(sizes, [2, 2, 1]);
        for chunk in &cut {
            let bytes: usize = chunk.iter().map(|s| *s + OP_OVERHEAD).sum();
            assert!(bytes <= CHUNK_BUDGET);
        }
        let largest = MAX_PREFIX_SIZE + MAX_KEY_SIZE + MAX_VALUE_SIZE;
        assert_eq!(chunks(&[largest, largest, 1], |s| *s).len(), 3);
        assert!(chunks::<usize>(&[], |s| *s).is_empty());
    }
}
