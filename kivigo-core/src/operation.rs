//! The operations of the contract, named once for errors, tracing, metrics and retries.

use std::fmt;

/// One operation of the [`Backend`](crate::Backend) contract.
///
/// Errors carry the operation that failed, and layers (tracing, metrics, retry) use it as a
/// label. [`Operation::as_str`] gives the snake-case name (`"batch_set"`), the same as the
/// method's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// Opening the store (connecting, creating files).
    Open,
    /// `get`.
    Get,
    /// `set`, with or without a TTL.
    Set,
    /// `delete`.
    Delete,
    /// `list`.
    List,
    /// `scan` (one page).
    Scan,
    /// `batch_get`.
    BatchGet,
    /// `batch_set`, with or without a TTL.
    BatchSet,
    /// `batch_delete`.
    BatchDelete,
    /// `batch_write` (puts and deletes in one call).
    BatchWrite,
    /// `ttl` (read the remaining time-to-live).
    Ttl,
    /// `expire` (set or remove the expiry of a key).
    Expire,
    /// `set_if_absent`.
    SetIfAbsent,
    /// `compare_and_swap`.
    CompareAndSwap,
    /// `increment`.
    Increment,
    /// `health`.
    Health,
    /// `close`.
    Close,
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 17] = [
        Operation::Open,
        Operation::Get,
        Operation::Set,
        Operation::Delete,
        Operation::List,
        Operation::Scan,
        Operation::BatchGet,
        Operation::BatchSet,
        Operation::BatchDelete,
        Operation::BatchWrite,
        Operation::Ttl,
        Operation::Expire,
        Operation::SetIfAbsent,
        Operation::CompareAndSwap,
        Operation::Increment,
        Operation::Health,
        Operation::Close,
    ];

    /// The snake-case name, as the method is called (`"get"`, `"batch_set"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::Open => "open",
            Operation::Get => "get",
            Operation::Set => "set",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::Scan => "scan",
            Operation::BatchGet => "batch_get",
            Operation::BatchSet => "batch_set",
            Operation::BatchDelete => "batch_delete",
            Operation::BatchWrite => "batch_write",
            Operation::Ttl => "ttl",
            Operation::Expire => "expire",
            Operation::SetIfAbsent => "set_if_absent",
            Operation::CompareAndSwap => "compare_and_swap",
            Operation::Increment => "increment",
            Operation::Health => "health",
            Operation::Close => "close",
        }
    }

    /// Whether sending the same request twice leaves the store as sending it once.
    ///
    /// Reads, plain writes, deletes and expiry changes are idempotent (a repeated delete may
    /// report `false` the second time, but the store ends the same). Compare-and-swap,
    /// set-if-absent and increment are not: a retry layer repeats them only when the error says
    /// the request never left the process ([`crate::Error::was_never_sent`]).
    pub const fn is_idempotent(self) -> bool {
        !matches!(
            self,
            Operation::SetIfAbsent | Operation::CompareAndSwap | Operation::Increment
        )
    }

    /// Whether the operation only reads.
    pub const fn is_read(self) -> bool {
        matches!(
            self,
            Operation::Get
                | Operation::List
                | Operation::Scan
                | Operation::BatchGet
                | Operation::Ttl
                | Operation::Health
        )
    }

    /// Whether the operation works on many keys at once (`batch_*`).
    pub const fn is_batch(self) -> bool {
        matches!(
            self,
            Operation::BatchGet
                | Operation::BatchSet
                | Operation::BatchDelete
                | Operation::BatchWrite
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn names_are_unique_snake_case() {
        let mut names: Vec<&str> = Operation::ALL.iter().map(|op| op.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Operation::ALL.len());
    }

    #[test]
    fn only_conditional_writes_and_counters_are_not_idempotent() {
        let not: Vec<Operation> = Operation::ALL
            .into_iter()
            .filter(|op| !op.is_idempotent())
            .collect();
        assert_eq!(
            not,
            [
                Operation::SetIfAbsent,
                Operation::CompareAndSwap,
                Operation::Increment
            ]
        );
    }
}
