//! A background thread that removes expired entries, for stores without native expiry.
//!
//! Reads of such stores filter expired entries themselves, so the sweeper is only about space:
//! it wakes every interval, removes one bounded chunk at a time (so writers are never blocked
//! for long) until nothing expired is left, and sleeps again. It runs on its own thread, so it
//! needs no async runtime and never occupies one of the runtime's workers.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// What one sweep step found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// A full chunk was removed: more expired entries may be waiting; sweep again at once.
    More,
    /// Nothing expired is left: wait for the next interval.
    Done,
    /// The store is gone: end the thread.
    Stop,
}

/// One sweep step: removes at most one chunk of expired entries.
pub type SweepStep = Box<dyn FnMut() -> Sweep + Send>;

/// The default time between two sweeps.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Expired entries removed per step (and per lock or transaction).
pub const SWEEP_CHUNK: usize = 1000;

/// A sweeper that starts its thread on first use and stops it on [`Sweeper::stop`] (or drop).
///
/// An interval of zero disables it: expired entries are then only filtered out by reads, and
/// removed when overwritten or deleted.
#[derive(Debug)]
pub struct Sweeper {
    name: String,
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
enum State {
    Idle,
    Running {
        signal: Arc<Signal>,
        thread: JoinHandle<()>,
    },
    Stopped,
}

#[derive(Debug, Default)]
struct Signal {
    stop: Mutex<bool>,
    wake: Condvar,
}

impl Sweeper {
    /// A sweeper for the store called `name` (the thread is named after it), sweeping every
    /// `interval` once started.
    pub fn new(name: impl Into<String>, interval: Duration) -> Self {
        Self {
            name: name.into(),
            interval,
            state: Mutex::new(State::Idle),
        }
    }

    /// The time between two sweeps; zero when disabled.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Starts the thread with the step `make` builds, unless it runs already, was stopped, or
    /// the sweeper is disabled. Cheap to call on every write with a TTL.
    pub fn ensure_running(&self, make: impl FnOnce() -> SweepStep) {
        if self.interval.is_zero() {
            return;
        }
        let mut state = self.lock();
        if !matches!(*state, State::Idle) {
            return;
        }
        let signal = Arc::new(Signal::default());
        let step = make();
        let interval = self.interval;
        let spawned = std::thread::Builder::new()
            .name(format!("kivigo-sweep-{}", self.name))
            .spawn({
                let signal = signal.clone();
                move || run(step, interval, &signal)
            });
        // Without a thread, reads still hide expired entries; only space is reclaimed later.
        if let Ok(thread) = spawned {
            *state = State::Running { signal, thread };
        }
    }

    /// Stops the thread and waits for it (at most one chunk of work). Later
    /// [`ensure_running`](Self::ensure_running) calls do nothing.
    pub fn stop(&self) {
        let previous = std::mem::replace(&mut *self.lock(), State::Stopped);
        if let State::Running { signal, thread } = previous {
            signal.raise();
            let _ = thread.join();
        }
    }

    /// Whether the thread is running.
    pub fn is_running(&self) -> bool {
        matches!(*self.lock(), State::Running { .. })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        if let State::Running { signal, .. } = &*self.lock() {
            signal.raise();
        }
    }
}

impl Signal {
    fn raise(&self) {
        *self.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    fn raised(&self) -> bool {
        *self.stop.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits up to `interval`; true when asked to stop.
    fn wait(&self, interval: Duration) -> bool {
        let stop = self.stop.lock().unwrap_or_else(|p| p.into_inner());
        let (stop, _) = self
            .wake
            .wait_timeout_while(stop, interval, |stop| !*stop)
            .unwrap_or_else(|p| p.into_inner());
        *stop
    }
}

fn run(mut step: SweepStep, interval: Duration, signal: &Signal) {
    loop {
        if signal.wait(interval) {
            return;
        }
        loop {
            if signal.raised() {
                return;
            }
            match step() {
                Sweep::More => continue,
                Sweep::Done => break,
                Sweep::Stop => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    #[test]
    fn runs_chunks_until_done_and_stops_when_asked() {
        let sweeper = Sweeper::new("test", Duration::from_millis(1));
        let calls = Arc::new(AtomicUsize::new(0));
        let (done, finished) = mpsc::channel();
        sweeper.ensure_running(|| {
            let calls = calls.clone();
            Box::new(move || {
                // Three full chunks, then nothing left.
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if n < 3 {
                    Sweep::More
                } else {
                    let _ = done.send(());
                    Sweep::Done
                }
            })
        });
        assert!(sweeper.is_running());
        finished
            .recv_timeout(Duration::from_secs(30))
            .expect("the sweeper ran");
        sweeper.stop();
        assert!(!sweeper.is_running());
        assert!(calls.load(Ordering::SeqCst) >= 4);
        // A stopped sweeper does not start again.
        sweeper.ensure_running(|| Box::new(|| Sweep::Done));
        assert!(!sweeper.is_running());
    }

    #[test]
    fn a_zero_interval_disables_it() {
        let sweeper = Sweeper::new("off", Duration::ZERO);
        sweeper.ensure_running(|| Box::new(|| Sweep::Done));
        assert!(!sweeper.is_running());
    }
}
