//! Timing of expiry cases: which TTL to write, when a key must still be there, and the one wait
//! on the clock the suite allows — until an expiry deadline has passed.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::TtlSupport;

/// Time a case needs to read a key back after writing it. Stores with a 1 ms tick would
/// otherwise get a 1 ms TTL, and a key may rightly be gone before the first read returns.
const READ_BACK_WINDOW: Duration = Duration::from_secs(1);

/// A TTL no case outlives, for cases that read a TTL back without waiting for it.
const LONG: Duration = Duration::from_secs(3600);

/// The TTL the waiting cases write: the store's shortest (its minimum, rounded up to whole
/// ticks), raised to leave time to read the key back first.
pub(crate) fn short_ttl(support: &TtlSupport) -> Duration {
    support.round_up(support.min.max(READ_BACK_WINDOW))
}

/// A TTL that ends a little after the wait for a [`short_ttl`] write: a key written with it
/// must still be there when the short one must be gone, which catches a store that expires
/// keys early (a TTL rounded down, or counted from the wrong moment).
pub(crate) fn outliving_ttl(support: &TtlSupport) -> Duration {
    support.round_up(support.gone_after(short_ttl(support)) + READ_BACK_WINDOW / 4)
}

/// An hour (or the store's maximum when lower), already a whole number of ticks, so a store
/// that rounds keeps it exactly and the remaining time can be compared with it.
pub(crate) fn long_ttl(support: &TtlSupport) -> Duration {
    let hour = support.round_up(LONG);
    match support.max {
        Some(max) if hour > max => max,
        _ => hour,
    }
}

/// When a write with a TTL began and was acknowledged.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    started: Instant,
    acknowledged: Instant,
    ttl: Duration,
    gone_after: Duration,
}

/// Runs `write` (which gives keys `ttl`) and notes when it began and when it returned.
pub(crate) async fn timed<T>(
    support: &TtlSupport,
    ttl: Duration,
    write: impl Future<Output = T>,
) -> (T, Deadline) {
    let started = Instant::now();
    let outcome = write.await;
    let deadline = Deadline {
        started,
        acknowledged: Instant::now(),
        ttl,
        gone_after: support.gone_after(ttl),
    };
    (outcome, deadline)
}

impl Deadline {
    /// Checks a read that has just returned: when the TTL has not run out even now, it had not
    /// when the store answered either, so the key must have been there. (When the machine
    /// stalled past the TTL, the key may rightly be gone and there is nothing to check.)
    #[track_caller]
    pub(crate) fn assert_live(&self, present: bool, what: &str) {
        if !present && self.started.elapsed() < self.ttl {
            panic!("{what}: the key was gone before its TTL of {:?}", self.ttl);
        }
    }

    /// Waits until every key of the write must be gone: the rounded TTL plus one tick of the
    /// store's clock after the store acknowledged it. This is the only wait on the clock in the
    /// suite.
    pub(crate) async fn wait_until_gone(&self) {
        let gone = self.acknowledged + self.gone_after;
        while Instant::now() < gone {
            tokio::time::sleep_until(gone.into()).await;
        }
    }
}
