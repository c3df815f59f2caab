//! A private redis-server on a free loopback port, for tests that stop and restart their server
//! or change its configuration. It is killed (by PID) when the guard drops, also on panic.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub use kivigo_core::conformance::process::free_port;
use kivigo_core::conformance::process::{ChildProcess, find_binary, wait_until};

/// The longest a private server may take to answer PING after it is started.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// The redis-server binary: `KIVIGO_TEST_REDIS_SERVER`, else `redis-server` on the PATH.
///
/// `None` (skip, with a message) when there is none, unless `KIVIGO_TEST_REQUIRE_SERVERS=1`,
/// which makes a missing binary a failure.
pub fn redis_server_binary() -> Option<PathBuf> {
    find_binary(
        "redis-server",
        "KIVIGO_TEST_REDIS_SERVER",
        &["/usr/bin/redis-server"],
        "`scripts/services start redis` installs it",
    )
}

/// A redis-server child process without persistence, on 127.0.0.1:`port` and a Unix socket.
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    socket: PathBuf,
    extra: Vec<String>,
    child: Option<ChildProcess>,
}

impl RedisServer {
    /// Starts a server on `port` and waits until it answers PING.
    pub fn start(binary: &Path, port: u16) -> Self {
        Self::start_with(binary, port, Vec::new())
    }

    /// Starts a server on `port` with more command-line arguments (TLS settings...).
    pub fn start_with(binary: &Path, port: u16, extra: Vec<String>) -> Self {
        let socket = std::env::temp_dir().join(format!("kivigo-redis-test-{port}.sock"));
        let mut server = Self {
            binary: binary.to_owned(),
            port,
            socket,
            extra,
            child: None,
        };
        server.restart();
        server
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path of the Unix socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `redis://127.0.0.1:PORT/DB`.
    pub fn url(&self, db: u32) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }

    /// Kills the server and waits for the process to end.
    pub fn stop(&mut self) {
        self.child = None;
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing answers.
    pub fn freeze(&mut self) {
        self.child.as_mut().expect("server is running").freeze();
    }

    /// Lets a frozen server go on (SIGCONT).
    pub fn thaw(&mut self) {
        self.child.as_mut().expect("server is running").thaw();
    }

    /// Starts the server again on the same port (after [`RedisServer::stop`]).
    pub fn restart(&mut self) {
        self.stop();
        let mut command = Command::new(&self.binary);
        command
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--unixsocket")
            .arg(&self.socket)
            .args(["--unixsocketperm", "700"])
            .arg("--dir")
            .arg(std::env::temp_dir())
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child =
            ChildProcess::spawn(format!("redis-server on port {}", self.port), &mut command);
        let port = self.port;
        wait_until(
            "redis-server",
            STARTUP_LIMIT,
            || child.is_running(),
            || answers_ping(port),
        );
        self.child = Some(child);
    }

    /// A plain (blocking) redis connection to the server, to configure or inspect it.
    pub fn admin(&self) -> redis::Connection {
        redis::Client::open(self.url(0))
            .and_then(|client| client.get_connection())
            .expect("admin connection")
    }
}

/// Whether a server on `port` answers PING.
fn answers_ping(port: u16) -> bool {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if (&stream).write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).is_ok() && reply.starts_with("+PONG")
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.socket);
    }
}
