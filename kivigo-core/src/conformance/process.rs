//! Test support for backends' own fault tests: free ports, server binaries, child processes that
//! are killed when the test ends (panics included), bounded waits, and URL option joining.
//!
//! Fault tests (kill, SIGSTOP, restart) start private servers on free ports through these, and
//! never touch the shared ones `scripts/services` runs.

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::require_servers;

/// The longest a test waits for something that must happen (a call that must fail fast, a
/// server that must start): a guard that turns a hang into a failure, never a timing assertion.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// Awaits `future`, failing the test (naming `what`) if it is still pending after
/// [`HANG_GUARD`].
#[track_caller]
pub fn within_guard<F: Future>(what: &str, future: F) -> impl Future<Output = F::Output> {
    let what = what.to_owned();
    async move {
        match tokio::time::timeout(HANG_GUARD, future).await {
            Ok(output) => output,
            Err(_) => panic!("{what} did not finish within {HANG_GUARD:?}: it hung"),
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `url` with one more query option `name=value`, joined with `?` or `&` as needed.
pub fn with_option(url: &str, name: &str, value: &str) -> String {
    let join = if url.contains('?') { '&' } else { '?' };
    format!("{url}{join}{name}={value}")
}

/// The server binary `name`: the path in the environment variable `env` when set, else `name`
/// on `PATH`, else the first of `also` that exists (Debian puts some in `/usr/sbin`).
///
/// `None` (the test skips, with a message) when there is none, unless
/// `KIVIGO_TEST_REQUIRE_SERVERS=1`, which makes that a failure naming `install`.
pub fn find_binary(name: &str, env: &str, also: &[&str], install: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&search)
        .map(|dir| dir.join(name))
        .chain(also.iter().map(PathBuf::from))
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            !require_servers(),
            "no {name} binary and KIVIGO_TEST_REQUIRE_SERVERS=1; {install}"
        );
        eprintln!("skipped: no {name} binary (set {env}, or: {install})");
    }
    found
}

/// Polls `ready` every few milliseconds until it is true, failing the test after `limit`
/// (naming `what`) or as soon as `alive` says the process it waits for has died. For waiting on
/// a process to come up, not as a stand-in for synchronisation inside the code under test.
#[track_caller]
pub fn wait_until(
    what: &str,
    limit: Duration,
    mut alive: impl FnMut() -> bool,
    mut ready: impl FnMut() -> bool,
) {
    let started = Instant::now();
    while !ready() {
        assert!(alive(), "{what}: the process exited before it was ready");
        assert!(
            started.elapsed() < limit,
            "{what}: not ready within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process (a private server) that is killed, by PID, when dropped — also when the test
/// panics — and can be frozen (SIGSTOP) and thawed (SIGCONT) to play a server that hangs.
#[derive(Debug)]
pub struct ChildProcess {
    name: String,
    child: Option<Child>,
    frozen: bool,
}

impl ChildProcess {
    /// Starts `command`, calling the process `name` in messages.
    pub fn spawn(name: impl Into<String>, command: &mut Command) -> Self {
        let name = name.into();
        let child = command
            .spawn()
            .unwrap_or_else(|err| panic!("could not start {name}: {err}"));
        Self {
            name,
            child: Some(child),
            frozen: false,
        }
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the process (SIGKILL) and waits for it to end.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if self.frozen {
                self.signal(&child, "CONT");
                self.frozen = false;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the process (SIGSTOP): it keeps its sockets open but answers nothing. Returns once
    /// every thread of it is stopped (signals are delivered asynchronously).
    pub fn freeze(&mut self) {
        if let Some(child) = &self.child {
            self.signal(child, "STOP");
            self.frozen = true;
            let pid = child.id();
            wait_until(&self.name, HANG_GUARD, || true, || all_threads_stopped(pid));
        }
    }

    /// Lets a frozen process go on (SIGCONT).
    pub fn thaw(&mut self) {
        if let Some(child) = &self.child {
            self.signal(child, "CONT");
            self.frozen = false;
        }
    }

    fn signal(&self, child: &Child, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap_or_else(|err| panic!("could not signal {}: {err}", self.name));
        assert!(status.success(), "kill -{signal} {} failed", self.name);
    }
}

/// True when every thread of `pid` is in the stopped state (`T` in /proc).
fn all_threads_stopped(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|task| {
        std::fs::read_to_string(task.path().join("stat")).is_ok_and(|stat| {
            // The state is the first field after the parenthesised command name.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state == "T" || state == "t")
        })
    })
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_join_with_the_right_separator() {
        assert_eq!(with_option("x://h", "a", "1"), "x://h?a=1");
        assert_eq!(with_option("x://h?a=1", "b", "2"), "x://h?a=1&b=2");
    }

    #[test]
    fn a_child_is_killed_when_dropped() {
        let mut sleeper = ChildProcess::spawn("sleep", Command::new("sleep").arg("600"));
        assert!(sleeper.is_running());
        sleeper.freeze();
        sleeper.thaw();
        let pid = sleeper.pid().expect("running");
        drop(sleeper);
        let alive = Command::new("kill")
            .args(["-0", &pid.to_string()])
            .status()
            .is_ok_and(|status| status.success());
        assert!(!alive, "the child outlived its guard");
    }
}
