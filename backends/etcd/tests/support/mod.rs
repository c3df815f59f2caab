//! etcd members started by a test itself, on free loopback ports, in a temporary directory.
//! The guard kills every member it started when it is dropped, panics included.

#![allow(dead_code)] // each test file uses part of it

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use kivigo_core::conformance::process::{ChildProcess, find_binary};
use kivigo_etcd::{EtcdBackend, EtcdConfig};

/// The etcd binary: `KIVIGO_TEST_ETCD_SERVER`, `etcd` on PATH, else the Debian package's
/// `/usr/bin/etcd`. `None` (the test skips, with a message) when there is none, unless
/// `KIVIGO_TEST_REQUIRE_SERVERS=1`, which makes that a failure.
pub fn etcd_binary(_test: &str) -> Option<PathBuf> {
    find_binary(
        "etcd",
        "KIVIGO_TEST_ETCD_SERVER",
        &["/usr/bin/etcd"],
        "install it with `scripts/services start etcd` (Debian package etcd-server)",
    )
}

pub use kivigo_core::conformance::process::free_port;

/// One member: its client endpoint and, while it runs, its process.
pub struct Member {
    pub name: String,
    pub endpoint: String,
    child: Option<ChildProcess>,
    log: PathBuf,
}

/// A cluster of etcd members started by the test; dropping it kills them all.
pub struct LocalCluster {
    pub members: Vec<Member>,
    dir: tempfile::TempDir,
}

impl LocalCluster {
    /// Starts `size` members forming one cluster (not yet ready: see [`LocalCluster::wait_ready`]).
    pub fn start(binary: &PathBuf, size: usize) -> Self {
        Self::start_with(binary, size, None)
    }

    /// Like [`LocalCluster::start`]; with `tls = Some((cert, key))` clients talk HTTPS to the
    /// members with that certificate.
    pub fn start_with(binary: &PathBuf, size: usize, tls: Option<(PathBuf, PathBuf)>) -> Self {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let dir = tempfile::tempdir().expect("temporary directory");
        let ports: Vec<(u16, u16)> = (0..size).map(|_| (free_port(), free_port())).collect();
        let initial: Vec<String> = ports
            .iter()
            .enumerate()
            .map(|(i, (_, peer))| format!("m{i}=http://127.0.0.1:{peer}"))
            .collect();
        let token = format!("kivigo-{}", kivigo_core::conformance::run_id());
        let mut cluster = Self {
            members: Vec::with_capacity(size),
            dir,
        };
        for (i, (client, peer)) in ports.into_iter().enumerate() {
            let name = format!("m{i}");
            let log = cluster.dir.path().join(format!("{name}.log"));
            let log_file = std::fs::File::create(&log).expect("log file");
            let mut command = Command::new(binary);
            if let Some((cert, key)) = &tls {
                command
                    .arg("--cert-file")
                    .arg(cert)
                    .arg("--key-file")
                    .arg(key);
            }
            command
                .args(["--name", &name])
                .arg("--data-dir")
                .arg(cluster.dir.path().join(&name))
                .args([
                    "--listen-client-urls",
                    &format!("{scheme}://127.0.0.1:{client}"),
                ])
                .args([
                    "--advertise-client-urls",
                    &format!("{scheme}://127.0.0.1:{client}"),
                ])
                .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
                .args([
                    "--initial-advertise-peer-urls",
                    &format!("http://127.0.0.1:{peer}"),
                ])
                .args(["--initial-cluster", &initial.join(",")])
                .args(["--initial-cluster-token", &token])
                .args(["--initial-cluster-state", "new"])
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file));
            let child = ChildProcess::spawn(format!("etcd member {name}"), &mut command);
            cluster.members.push(Member {
                name,
                endpoint: format!("127.0.0.1:{client}"),
                child: Some(child),
                log,
            });
        }
        cluster
    }

    /// The client endpoints of every member, in order.
    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(|m| m.endpoint.clone()).collect()
    }

    /// Polls until every running member answers its status with a leader (bounded: panics with
    /// the members' logs after about a minute).
    pub async fn wait_ready(&self) {
        self.wait_ready_with(&EtcdConfig::new(Vec::<String>::new()))
            .await;
    }

    /// [`LocalCluster::wait_ready`] with the settings (TLS...) of `base`.
    pub async fn wait_ready_with(&self, base: &EtcdConfig) {
        let mut last = String::new();
        for _ in 0..600 {
            match self.all_healthy(base).await {
                Ok(()) => return,
                Err(why) => last = why,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the etcd cluster did not become ready ({last}):\n{}",
            self.logs()
        );
    }

    async fn all_healthy(&self, base: &EtcdConfig) -> Result<(), String> {
        let running = self.members.iter().filter(|m| m.child.is_some());
        let config = EtcdConfig {
            endpoints: running.map(|m| m.endpoint.clone()).collect(),
            timeout: Duration::from_secs(2),
            ..base.clone()
        };
        let backend = EtcdBackend::open(config)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let report = backend.endpoint_health().await.map_err(|e| e.to_string())?;
        match report.into_iter().find(|(_, outcome)| outcome.is_err()) {
            Some((endpoint, outcome)) => Err(format!("{endpoint}: {outcome:?}")),
            None => Ok(()),
        }
    }

    /// Kills member `index` (SIGKILL) and waits for the process to end.
    pub fn kill(&mut self, index: usize) {
        self.members[index].child = None;
    }

    /// The last lines of every member's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for member in &self.members {
            let log = std::fs::read_to_string(&member.log).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(15)..];
            text.push_str(&format!(
                "--- {} ({})\n{}\n",
                member.name,
                member.endpoint,
                tail.join("\n")
            ));
        }
        text
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        for index in 0..self.members.len() {
            self.kill(index);
        }
    }
}
