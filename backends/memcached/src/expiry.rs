//! Expiry on memcached's clock: TTLs as exptime tokens, and remaining times read back.
//!
//! memcached counts in whole seconds on a clock that a thread of its own advances once a second.
//! An item written with an exptime of `T` seconds is gone after between `T - 1` and `T` seconds
//! (measured: 0.30 s to 0.87 s for `T1`, 1.00 s to 1.99 s for `T2`), so kivigo sends one second
//! more than the TTL rounded up to whole seconds: a key lives at least its TTL. `ttl` takes that
//! second off again, so it never says more than the TTL (rounded up to whole seconds) that was
//! set.
//!
//! A key is then gone one second after its TTL rounded up — when memcached's clock thread runs
//! on time. On a busy machine it runs late now and then, and the key is read a little longer
//! (seen in the conformance suite's expiry cases under load, about one run in ten). So the
//! capabilities report a granularity of 2 s: a key is gone once its TTL rounded up to 2 s, plus
//! 2 s, has elapsed, with a second to spare for a late clock. TTLs are still kept to the second.
//!
//! An exptime over 30 days is a Unix time. kivigo then adds the TTL to the server's own clock,
//! learnt at open (`stats` `time`) as an offset from the local one; our estimate of it may be a
//! second off either way, which costs up to one more second of margin at each end.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kivigo_core::{Error, KeyTtl, Operation, Result, TtlSupport};
use memcache::exp::{Rendezvous, Router};

use crate::limits::{LATEST_EXPTIME, MAX_RELATIVE_SECS};

/// The tick added to every TTL so that no key goes early (see the module docs).
const EXTRA_TICK: u64 = 1;

/// How many seconds our estimate of a server's clock may be off: its `time` and ours tick at
/// different moments of the second.
const CLOCK_ERROR: u64 = 1;

/// How long the maximum TTL reported at open stays true: it is lowered by this much, since
/// every second the backend stays open brings 2038 a second closer. A TTL past memcached's last
/// exptime is refused with `InvalidArgument` whenever it comes.
const MAX_TTL_MARGIN: u64 = 24 * 60 * 60;

/// Seconds taken off a remaining time read back from an item with an absolute exptime: the
/// extra tick, the margin added for our clock estimate, and that estimate's own error.
const ABSOLUTE_MARGIN: u64 = EXTRA_TICK + 2 * CLOCK_ERROR;

/// Each server's clock, as an offset from ours, and the routing that tells which server holds a
/// key (the same [`Rendezvous`] the client routes with).
#[derive(Debug)]
pub(crate) struct Expiry {
    offsets: Vec<i64>,
    ids: Vec<String>,
    router: Rendezvous,
    support: TtlSupport,
}

/// The exptime tokens of one TTL, worked out once for a single write or a whole batch.
pub(crate) enum Tokens<'a> {
    /// Seconds from now, the same on every server.
    Relative(u32),
    /// A Unix time on each server's clock (its index in the configuration).
    Absolute(&'a Expiry, Vec<u32>),
}

impl Tokens<'_> {
    /// The token for a write of `key`.
    pub(crate) fn for_key(&self, key: &str) -> u32 {
        match self {
            Tokens::Relative(token) => *token,
            Tokens::Absolute(expiry, tokens) => tokens[expiry.server(key)],
        }
    }
}

impl Expiry {
    /// The clocks of `servers` (identities as given to the client), each `offset` being the
    /// server's Unix time minus ours in seconds, `None` for a server that did not say (the
    /// local clock is then used for it).
    pub(crate) fn new(servers: &[String], offsets: &[Option<i64>], router: Rendezvous) -> Self {
        let offsets: Vec<i64> = offsets.iter().map(|o| o.unwrap_or(0)).collect();
        let latest_now = offsets.iter().map(|o| now() + o).max().unwrap_or_else(now);
        // The longest TTL a relative exptime carries, and the longest one an absolute exptime
        // can still carry on the server whose clock is furthest ahead (until 2038).
        let relative = MAX_RELATIVE_SECS - EXTRA_TICK;
        let absolute = i64::try_from(LATEST_EXPTIME - EXTRA_TICK - CLOCK_ERROR - MAX_TTL_MARGIN)
            .unwrap_or(0)
            - latest_now.max(0);
        let max = relative.max(u64::try_from(absolute).unwrap_or(0));
        Self {
            offsets,
            ids: servers.to_vec(),
            router,
            support: TtlSupport::new(Duration::from_secs(2))
                .with_min(Duration::from_secs(1))
                .with_max(Duration::from_secs(max)),
        }
    }

    /// What the capabilities report: a 2 s granularity (see the module docs), a 1 s minimum
    /// (kept as given), and the longest TTL that
    /// ends before memcached's last exptime (2038-01-19) on every server for a day after
    /// opening (30 days once that is past).
    pub(crate) fn support(&self) -> TtlSupport {
        self.support
    }

    /// The index of the server that holds `key`.
    fn server(&self, key: &str) -> usize {
        if self.ids.len() == 1 {
            return 0;
        }
        self.router
            .route(key.as_bytes(), &self.ids)
            .min(self.ids.len() - 1)
    }

    /// The tokens that give keys written now a TTL of `ttl` (already checked to be neither zero
    /// nor over the maximum). [`Error::InvalidArgument`] when it would end after the last
    /// exptime memcached takes (a backend open for years can get there).
    pub(crate) fn tokens(&self, operation: Operation, ttl: Duration) -> Result<Tokens<'_>> {
        let secs = whole_seconds(ttl) + EXTRA_TICK;
        if secs <= MAX_RELATIVE_SECS {
            return Ok(Tokens::Relative(u32::try_from(secs).unwrap_or(u32::MAX)));
        }
        let tokens = self
            .offsets
            .iter()
            .map(|offset| {
                let at = (now() + offset).max(0).unsigned_abs() + secs + CLOCK_ERROR;
                u32::try_from(at)
                    .ok()
                    .filter(|at| u64::from(*at) <= LATEST_EXPTIME)
                    .ok_or_else(|| {
                        Error::invalid_argument(
                            operation,
                            format!(
                                "a TTL of {ttl:?} ends after 2038-01-19T03:14:07Z, the latest \
                                 expiry time memcached accepts"
                            ),
                        )
                    })
            })
            .collect::<Result<Vec<u32>>>()?;
        Ok(Tokens::Absolute(self, tokens))
    }

    /// The exptime token that keeps the expiry of an item whose remaining time the server gave
    /// as `left` seconds, for a rewrite (an increment memcached's arithmetic cannot do).
    pub(crate) fn keep(&self, key: &str, left: u64) -> u32 {
        if left <= MAX_RELATIVE_SECS {
            return u32::try_from(left).unwrap_or(u32::MAX);
        }
        // Never later than it was: the clock estimate's error is taken off.
        let at = (now() + self.offsets[self.server(key)])
            .max(0)
            .unsigned_abs()
            + left
            - CLOCK_ERROR;
        u32::try_from(at.min(LATEST_EXPTIME)).unwrap_or(u32::MAX)
    }
}

/// What `ttl` reports for an item whose remaining time the server gave as `left` seconds (`-1`:
/// it never expires): the extra margins taken off, so never more than the TTL that was set.
pub(crate) fn remaining(left: i64) -> KeyTtl {
    let Ok(left) = u64::try_from(left) else {
        return KeyTtl::Persistent;
    };
    let margin = if left > MAX_RELATIVE_SECS {
        ABSOLUTE_MARGIN
    } else {
        EXTRA_TICK
    };
    // A live item is gone within its last second: it still has one.
    KeyTtl::Remaining(Duration::from_secs(left.saturating_sub(margin).max(1)))
}

/// `ttl` in whole seconds, rounded up (never down, so that no key goes early), at least one.
fn whole_seconds(ttl: Duration) -> u64 {
    (ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)).max(1)
}

/// The local Unix time in whole seconds.
pub(crate) fn now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 24 * 60 * 60;

    fn one_server(offset: i64) -> Expiry {
        Expiry::new(&["h:1".to_owned()], &[Some(offset)], Rendezvous::new())
    }

    fn token(expiry: &Expiry, ttl: Duration) -> u32 {
        expiry
            .tokens(Operation::Set, ttl)
            .expect("tokens")
            .for_key("k")
    }

    #[test]
    fn short_ttls_are_whole_seconds_rounded_up_plus_one_tick() {
        let expiry = one_server(0);
        assert_eq!(token(&expiry, Duration::from_millis(1)), 2);
        assert_eq!(token(&expiry, Duration::from_secs(1)), 2);
        assert_eq!(token(&expiry, Duration::from_millis(1500)), 3);
        assert_eq!(token(&expiry, Duration::from_secs(3600)), 3601);
        // The last TTL that fits a relative exptime.
        let last = Duration::from_secs(30 * DAY - 1);
        assert_eq!(u64::from(token(&expiry, last)), 30 * DAY);
    }

    #[test]
    fn long_ttls_are_unix_times_on_the_server_s_clock() {
        for offset in [0, 7, -3_600] {
            let expiry = one_server(offset);
            let before = u64::try_from(now() + offset).expect("positive");
            let at = u64::from(token(&expiry, Duration::from_secs(30 * DAY)));
            let after = u64::try_from(now() + offset).expect("positive");
            assert!(
                (before + 30 * DAY + 2..=after + 30 * DAY + 2).contains(&at),
                "offset {offset}: {at}"
            );
        }
    }

    #[test]
    fn ttls_past_2038_are_refused() {
        let expiry = one_server(0);
        let max = expiry.support().max.expect("a maximum");
        assert!(max > Duration::from_secs(30 * DAY), "{max:?}");
        assert!(expiry.tokens(Operation::Expire, max).is_ok());
        let past = max + Duration::from_secs(MAX_TTL_MARGIN + 5);
        assert!(matches!(
            expiry.tokens(Operation::Expire, past),
            Err(Error::InvalidArgument {
                operation: Operation::Expire,
                ..
            })
        ));
        // A server whose clock is past 2038 still takes TTLs of up to 30 days.
        let late = one_server(i64::from(i32::MAX));
        assert_eq!(late.support().max, Some(Duration::from_secs(30 * DAY - 1)));
    }

    #[test]
    fn remaining_times_never_exceed_what_was_set() {
        assert_eq!(remaining(-1), KeyTtl::Persistent);
        // Right after a write of 3600 s the server says 3601.
        assert_eq!(
            remaining(3601),
            KeyTtl::Remaining(Duration::from_secs(3600))
        );
        assert_eq!(remaining(1), KeyTtl::Remaining(Duration::from_secs(1)));
        assert_eq!(remaining(2), KeyTtl::Remaining(Duration::from_secs(1)));
        // An absolute exptime carries two more seconds of margin.
        let long = 40 * DAY;
        let left = i64::try_from(long + 2).expect("fits");
        assert_eq!(
            remaining(left + 1),
            KeyTtl::Remaining(Duration::from_secs(long))
        );
        assert_eq!(
            remaining(left),
            KeyTtl::Remaining(Duration::from_secs(long - 1))
        );
    }

    #[test]
    fn a_kept_expiry_is_never_later() {
        let expiry = one_server(5);
        assert_eq!(expiry.keep("k", 60), 60);
        let at = u64::from(expiry.keep("k", 40 * DAY));
        let latest = u64::try_from(now() + 5).expect("positive") + 40 * DAY;
        assert!(at <= latest && at + 3 >= latest, "{at} vs {latest}");
    }
}
