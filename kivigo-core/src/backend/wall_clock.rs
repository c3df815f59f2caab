//! Expiry deadlines on the local wall clock, for embedded stores that keep them on disk.
//!
//! A deadline is a count of nanoseconds since the Unix epoch (a `u64` reaches the year 2554), so
//! it survives a restart and sorts as big-endian bytes in the order it expires.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, now.
pub fn now() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
}

/// The deadline of a key written now with `ttl`.
pub fn deadline_after(ttl: Duration) -> u64 {
    let ttl = u64::try_from(ttl.as_nanos()).unwrap_or(u64::MAX);
    now().saturating_add(ttl)
}

/// The time left before `deadline`, `None` once it has passed (the key is expired).
pub fn remaining(deadline: u64) -> Option<Duration> {
    let now = now();
    (deadline > now).then(|| Duration::from_nanos(deadline - now))
}

/// Whether `deadline` has passed.
pub fn is_past(deadline: u64) -> bool {
    deadline <= now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_in_the_future_until_it_passes() {
        let deadline = deadline_after(Duration::from_secs(60));
        let left = remaining(deadline).expect("not expired");
        assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(59));
        assert!(!is_past(deadline));
        assert!(is_past(now()));
        assert_eq!(remaining(1), None);
        assert_eq!(deadline_after(Duration::MAX), u64::MAX);
    }
}
