//! A memcached process of a test's own, on a free loopback port, stopped when dropped (also when
//! the test panics).

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kivigo_core::conformance::require_servers;

/// How long a starting server may take to answer before the test fails.
const START_LIMIT: Duration = Duration::from_secs(20);

pub struct OwnServer {
    child: Option<Child>,
    port: u16,
    args: Vec<String>,
}

impl OwnServer {
    /// Starts `memcached` with `args` added, or returns `None` (test skipped) when the binary is
    /// missing, unless `KIVIGO_TEST_REQUIRE_SERVERS=1`, which makes that a failure.
    pub fn start(args: &[&str]) -> Option<Self> {
        let found = Command::new("memcached")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            assert!(
                !require_servers(),
                "memcached is not installed and KIVIGO_TEST_REQUIRE_SERVERS=1; \
                 run `scripts/services start memcached`"
            );
            eprintln!(
                "skipped: no memcached binary (scripts/services start memcached installs it)"
            );
            return None;
        }
        let mut server = Self {
            child: None,
            port: free_port(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        };
        server.spawn();
        Some(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("memcached://127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .map(Child::id)
            .expect("server is running")
    }

    fn spawn(&mut self) {
        let user = Command::new("id")
            .arg("-un")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_default();
        let mut command = Command::new("memcached");
        command
            .args(["-l", "127.0.0.1", "-U", "0", "-p"])
            .arg(self.port.to_string())
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !user.is_empty() {
            command.args(["-u", &user]);
        }
        self.child = Some(command.spawn().expect("start memcached"));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < START_LIMIT,
                "memcached did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = signal("CONT", child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (with an empty cache: memcached keeps nothing on disk).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Freezes the process (SIGSTOP): its socket accepts but nothing answers. Returns once
    /// every thread of it is stopped (signals are delivered asynchronously).
    pub fn pause(&self) {
        let pid = self.pid();
        assert!(signal("STOP", pid), "SIGSTOP memcached");
        let started = Instant::now();
        while !all_threads_stopped(pid) {
            assert!(started.elapsed() < START_LIMIT, "memcached did not stop");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets a paused process run again (SIGCONT).
    pub fn resume(&self) {
        assert!(signal("CONT", self.pid()), "SIGCONT memcached");
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal(name: &str, pid: u32) -> bool {
    Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .is_ok_and(|status| status.success())
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

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("free port")
}
