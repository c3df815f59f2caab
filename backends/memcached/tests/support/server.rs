//! A memcached process of a test's own, on a free loopback port, stopped when dropped (also when
//! the test panics).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use kivigo_core::conformance::process::{ChildProcess, find_binary, free_port, wait_until};

/// How long a starting server may take to answer before the test fails.
const START_LIMIT: Duration = Duration::from_secs(20);

pub struct OwnServer {
    binary: PathBuf,
    child: Option<ChildProcess>,
    port: u16,
    args: Vec<String>,
}

impl OwnServer {
    /// Starts `memcached` with `args` added, or returns `None` (test skipped) when the binary is
    /// missing, unless `KIVIGO_TEST_REQUIRE_SERVERS=1`, which makes that a failure.
    pub fn start(args: &[&str]) -> Option<Self> {
        let binary = find_binary(
            "memcached",
            "KIVIGO_TEST_MEMCACHED_SERVER",
            &["/usr/bin/memcached"],
            "`scripts/services start memcached` installs it",
        )?;
        let mut server = Self {
            binary,
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

    fn spawn(&mut self) {
        let user = Command::new("id")
            .arg("-un")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_default();
        let mut command = Command::new(&self.binary);
        command
            .args(["-l", "127.0.0.1", "-U", "0", "-p"])
            .arg(self.port.to_string())
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !user.is_empty() {
            command.args(["-u", &user]);
        }
        let mut child = ChildProcess::spawn("memcached", &mut command);
        let port = self.port;
        wait_until(
            "memcached",
            START_LIMIT,
            || child.is_running(),
            || TcpStream::connect(("127.0.0.1", port)).is_ok(),
        );
        self.child = Some(child);
    }

    /// Kills the server and waits for it to exit.
    pub fn stop(&mut self) {
        self.child = None;
    }

    /// Starts it again on the same port (with an empty cache: memcached keeps nothing on disk).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Freezes the process (SIGSTOP): its socket accepts but nothing answers.
    pub fn pause(&mut self) {
        self.child.as_mut().expect("server is running").freeze();
    }

    /// Lets a paused process run again (SIGCONT).
    pub fn resume(&mut self) {
        self.child.as_mut().expect("server is running").thaw();
    }
}
