//! The memory backend's data: a sorted map of slots and an index of their deadlines.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::time::{Duration, Instant};

use crate::KeyTtl;
use crate::backend::{SWEEP_CHUNK, Sweep};

/// One stored value and when it expires.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub value: Vec<u8>,
    pub expires: Option<Instant>,
}

impl Slot {
    fn is_live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|deadline| deadline > now)
    }
}

/// Every key, and the deadlines of those that expire (so the sweeper finds them in order).
#[derive(Debug, Default)]
pub(super) struct State {
    map: BTreeMap<String, Slot>,
    deadlines: BTreeSet<(Instant, String)>,
}

impl State {
    /// The live slot of `key`.
    pub fn live(&self, key: &str, now: Instant) -> Option<&Slot> {
        self.map.get(key).filter(|slot| slot.is_live(now))
    }

    /// The live value of `key`.
    pub fn value(&self, key: &str, now: Instant) -> Option<&Vec<u8>> {
        self.live(key, now).map(|slot| &slot.value)
    }

    /// The TTL of `key` as `ttl` reports it.
    pub fn ttl(&self, key: &str, now: Instant) -> KeyTtl {
        match self.live(key, now) {
            None => KeyTtl::Missing,
            Some(Slot { expires: None, .. }) => KeyTtl::Persistent,
            Some(Slot {
                expires: Some(deadline),
                ..
            }) => KeyTtl::Remaining(deadline.saturating_duration_since(now)),
        }
    }

    /// Stores `value` under `key`, expiring at `expires` (`None`: persistent).
    pub fn put(&mut self, key: &str, value: Vec<u8>, expires: Option<Instant>) {
        self.forget_deadline(key);
        if let Some(deadline) = expires {
            self.deadlines.insert((deadline, key.to_owned()));
        }
        self.map.insert(key.to_owned(), Slot { value, expires });
    }

    /// Removes `key`; true when it was live.
    pub fn remove(&mut self, key: &str, now: Instant) -> bool {
        self.forget_deadline(key);
        self.map.remove(key).is_some_and(|slot| slot.is_live(now))
    }

    /// Changes the deadline of a live key; false (and the expired slot dropped) otherwise.
    pub fn set_deadline(&mut self, key: &str, expires: Option<Instant>, now: Instant) -> bool {
        if self.live(key, now).is_none() {
            self.remove(key, now);
            return false;
        }
        self.forget_deadline(key);
        if let Some(deadline) = expires {
            self.deadlines.insert((deadline, key.to_owned()));
        }
        if let Some(slot) = self.map.get_mut(key) {
            slot.expires = expires;
        }
        true
    }

    /// Up to `limit` live keys starting with `prefix` and sorting after `after` (`None`: from
    /// the first), and whether more follow.
    pub fn keys(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
        now: Instant,
    ) -> (Vec<String>, bool) {
        let start = match after {
            Some(cursor) if cursor >= prefix => Bound::Excluded(cursor),
            _ => Bound::Included(prefix),
        };
        let mut live = self
            .map
            .range::<str, _>((start, Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .filter(|(_, slot)| slot.is_live(now))
            .map(|(key, _)| key);
        let keys: Vec<String> = live.by_ref().take(limit).cloned().collect();
        let more = live.next().is_some();
        (keys, more)
    }

    /// Removes up to one chunk of expired entries.
    pub fn sweep(&mut self, now: Instant) -> Sweep {
        let due: Vec<(Instant, String)> = self
            .deadlines
            .iter()
            .take_while(|(deadline, _)| *deadline <= now)
            .take(SWEEP_CHUNK)
            .cloned()
            .collect();
        for entry in &due {
            self.deadlines.remove(entry);
            self.map.remove(&entry.1);
        }
        if due.len() == SWEEP_CHUNK {
            Sweep::More
        } else {
            Sweep::Done
        }
    }

    /// How many entries are stored, expired ones included (for tests of the sweeper).
    pub fn stored(&self) -> usize {
        self.map.len()
    }

    fn forget_deadline(&mut self, key: &str) {
        if let Some(Slot {
            expires: Some(deadline),
            ..
        }) = self.map.get(key)
        {
            self.deadlines.remove(&(*deadline, key.to_owned()));
        }
    }
}

/// The deadline of a write made at `now` with `ttl`.
pub(super) fn deadline(now: Instant, ttl: Option<Duration>) -> Option<Instant> {
    ttl.map(|ttl| {
        now.checked_add(ttl)
            .unwrap_or(now + Duration::from_secs(u32::MAX.into()))
    })
}
