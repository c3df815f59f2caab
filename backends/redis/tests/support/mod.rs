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

/// A redis-server child process on 127.0.0.1:`port` and a Unix socket, without persistence
/// unless its extra arguments turn it on (`--appendonly yes`, in `--dir`).
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

    /// Starts a server on `port` with more arguments, and returns as soon as it answers
    /// anything (a replica cut off from its primary answers PING with `-MASTERDOWN`).
    pub fn start_answering(binary: &Path, port: u16, extra: Vec<String>) -> Self {
        let socket = std::env::temp_dir().join(format!("kivigo-redis-test-{port}.sock"));
        let mut server = Self {
            binary: binary.to_owned(),
            port,
            socket,
            extra,
            child: None,
        };
        server.restart_loading();
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

    /// Kills the server (SIGKILL: no shutdown save, as in a crash) and waits for it to end.
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

    /// Starts the server again on the same port (after [`RedisServer::stop`]) and waits until
    /// it answers PING (so until it has loaded its data, when it has some).
    pub fn restart(&mut self) {
        self.spawn();
        let (port, child) = (self.port, self.child.as_mut().expect("started"));
        wait_until(
            "redis-server",
            STARTUP_LIMIT,
            || child.is_running(),
            || answers_ping(port),
        );
    }

    /// Starts the server again on the same port and returns as soon as it answers anything,
    /// `-LOADING` included: while it loads a large data set, commands get that error.
    pub fn restart_loading(&mut self) {
        self.spawn();
        let (port, child) = (self.port, self.child.as_mut().expect("started"));
        wait_until(
            "redis-server",
            STARTUP_LIMIT,
            || child.is_running(),
            || answers(port).is_some(),
        );
    }

    fn spawn(&mut self) {
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
        let child =
            ChildProcess::spawn(format!("redis-server on port {}", self.port), &mut command);
        self.child = Some(child);
    }

    /// A plain (blocking) redis connection to the server, to configure or inspect it.
    pub fn admin(&self) -> redis::Connection {
        redis::Client::open(self.url(0))
            .and_then(|client| client.get_connection())
            .expect("admin connection")
    }
}

/// Whether a server on `port` answers PING with PONG.
fn answers_ping(port: u16) -> bool {
    answers(port).is_some_and(|reply| reply.starts_with("+PONG"))
}

/// The first line a server on `port` answers to PING, if it answers.
fn answers(port: u16) -> Option<String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    (&stream).write_all(b"PING\r\n").ok()?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).ok()?;
    (!reply.is_empty()).then_some(reply)
}

/// The value of `field` in `INFO section` of the server on `port`, over a plain socket: INFO
/// answers while the server loads its data, when most commands (and some client handshakes)
/// are refused.
pub fn info_field(port: u16, section: &str, field: &str) -> Option<String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("*2\r\n$4\r\nINFO\r\n${}\r\n{section}\r\n", section.len());
    (&stream).write_all(request.as_bytes()).ok()?;
    let mut reader = BufReader::new(&stream);
    let mut header = String::new();
    reader.read_line(&mut header).ok()?;
    let length: usize = header.strip_prefix('$')?.trim().parse().ok()?;
    let mut body = vec![0; length];
    std::io::Read::read_exact(&mut reader, &mut body).ok()?;
    let text = String::from_utf8(body).ok()?;
    let wanted = format!("{field}:");
    text.lines()
        .find_map(|line| line.strip_prefix(&wanted))
        .map(|value| value.trim().to_owned())
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.socket);
    }
}
