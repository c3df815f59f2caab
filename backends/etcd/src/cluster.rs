//! The members of the cluster and the failover loop every request goes through.
//!
//! Each endpoint gets its own connection (made on first use). Requests go to the current
//! endpoint; when it cannot be reached, or answers that it has no leader, the current endpoint
//! moves to the next one and the request is sent there. A request that may already have been
//! applied is only sent again when that is harmless ([`Retry::Always`]: reads and puts). Every
//! call, retries and back-off included, ends within the configured `timeout`.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use etcd_client::{Client, ConnectOptions, KvClient, MaintenanceClient};
use kivigo_core::{Error, Operation, Result};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::config::EtcdConfig;
use crate::error::{BACKEND, Failure, classify, to_error};

/// Largest response we accept: a Txn of ranges can bring back 128 values of up to 1.5 MiB each,
/// far over tonic's default of 4 MiB. etcd itself sends up to 2 GiB.
const MAX_RESPONSE_BYTES: usize = i32::MAX as usize;

/// Attempts per call, all endpoints together (the time limit or a full round of refused
/// connections usually ends a call earlier).
const MAX_ATTEMPTS: usize = 12;

/// Pause before sending again to a member that was busy or had no leader, doubled each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_millis(400);

/// When a request that failed may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and puts: sending them twice leaves the same state.
    Always,
    /// Deletes: their answer (how many keys existed) is wrong if the first attempt was applied,
    /// so they are only sent again when the first attempt surely was not.
    IfNotApplied,
}

/// The clients of one member, cheap to clone.
#[derive(Clone)]
pub(crate) struct Conn {
    pub(crate) kv: KvClient,
    pub(crate) maintenance: MaintenanceClient,
}

struct Member {
    endpoint: String,
    conn: OnceCell<Conn>,
}

/// Every member of the cluster and which one is current.
pub(crate) struct Cluster {
    members: Vec<Member>,
    /// Counts failovers; `current % members.len()` is the member requests go to.
    current: AtomicUsize,
    options: ConnectOptions,
    timeout: Duration,
}

impl Cluster {
    pub(crate) fn new(config: &EtcdConfig) -> Result<Self> {
        let mut options = ConnectOptions::new()
            .with_connect_timeout(config.connect_timeout)
            .with_require_leader(true);
        if let Some(user) = &config.user {
            options = options
                .with_user(user.clone(), config.password.clone().unwrap_or_default())
                .with_auto_token_refresh(true);
        }
        options = tls::apply(options, config)?;
        Ok(Self {
            members: config
                .endpoints
                .iter()
                .map(|endpoint| Member {
                    endpoint: endpoint.trim().to_owned(),
                    conn: OnceCell::new(),
                })
                .collect(),
            current: AtomicUsize::new(0),
            options,
            timeout: config.timeout,
        })
    }

    /// The endpoints, in configuration order.
    pub(crate) fn endpoints(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.endpoint.as_str())
    }

    /// The clients of member `index`, connecting (and authenticating) on first use.
    async fn conn(&self, index: usize) -> std::result::Result<Conn, etcd_client::Error> {
        let member = &self.members[index];
        member
            .conn
            .get_or_try_init(|| async {
                let client =
                    Client::connect([member.endpoint.as_str()], Some(self.options.clone())).await?;
                Ok(Conn {
                    kv: client
                        .kv_client()
                        .max_decoding_message_size(MAX_RESPONSE_BYTES),
                    maintenance: client.maintenance_client(),
                })
            })
            .await
            .cloned()
    }

    /// Runs `request` against the current member, failing over as described in the module docs.
    /// `operation` names the call in a timeout error.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        operation: Operation,
        retry: Retry,
        request: F,
    ) -> Result<T>
    where
        F: Fn(Conn) -> Fut,
        Fut: Future<Output = std::result::Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + self.timeout;
        let timed_out = || Error::timeout(BACKEND, operation);
        let mut backoff = FIRST_BACKOFF;
        let mut last_error = None;
        let mut refused = 0;
        for _ in 0..MAX_ATTEMPTS {
            let turn = self.current.load(Ordering::Acquire);
            let index = turn % self.members.len();
            let attempt = async { request(self.conn(index).await?).await };
            let err = match tokio::time::timeout_at(deadline, attempt).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) => err,
                Err(_) => {
                    // Whatever holds this member up, the next call starts elsewhere.
                    self.fail_over(turn);
                    return Err(timed_out());
                }
            };
            let failure = classify(&err);
            let endpoint = &self.members[index].endpoint;
            let again = match failure {
                Failure::NotSent => {
                    self.fail_over(turn);
                    refused += 1;
                    if refused >= self.members.len() {
                        // Every member refused in a row: the cluster is down, say so now.
                        return Err(to_error(err, endpoint, operation));
                    }
                    false
                }
                Failure::NoLeader => {
                    self.fail_over(turn);
                    refused = 0;
                    true
                }
                Failure::Lost if retry == Retry::Always => {
                    self.fail_over(turn);
                    refused = 0;
                    false
                }
                Failure::Busy if retry == Retry::Always => {
                    refused = 0;
                    true
                }
                Failure::Lost | Failure::Busy | Failure::Permanent => {
                    if failure == Failure::Lost {
                        self.fail_over(turn);
                    }
                    return Err(to_error(err, endpoint, operation));
                }
            };
            last_error = Some(to_error(err, endpoint, operation));
            if again {
                if Instant::now() + backoff >= deadline {
                    break;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        Err(last_error.unwrap_or_else(timed_out))
    }

    /// Moves the current member past the one used at `turn`, unless another call already did.
    fn fail_over(&self, turn: usize) {
        let _ = self.current.compare_exchange(
            turn,
            turn.wrapping_add(1),
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
    }

    /// Asks every member for its status, all at once, each within the timeout. A member is
    /// healthy when it answers, has a leader and reports no errors.
    pub(crate) async fn statuses(&self) -> Vec<(String, Result<()>)> {
        let checks = (0..self.members.len()).map(|index| async move {
            let endpoint = self.members[index].endpoint.clone();
            let check = async {
                let mut conn = self
                    .conn(index)
                    .await
                    .map_err(|e| to_error(e, &endpoint, Operation::Health))?;
                let status = conn
                    .maintenance
                    .status()
                    .await
                    .map_err(|e| to_error(e, &endpoint, Operation::Health))?;
                if status.leader() == 0 {
                    return Err(Error::Unavailable {
                        backend: BACKEND,
                        operation: Operation::Health,
                        never_sent: false,
                        message: format!("{endpoint} has no leader (no quorum)"),
                        source: None,
                    });
                }
                if !status.errors().is_empty() {
                    return Err(Error::Unavailable {
                        backend: BACKEND,
                        operation: Operation::Health,
                        never_sent: false,
                        message: format!("{endpoint} reports: {}", status.errors().join("; ")),
                        source: None,
                    });
                }
                Ok(())
            };
            let outcome = match tokio::time::timeout(self.timeout, check).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::timeout(BACKEND, Operation::Health)),
            };
            (endpoint, outcome)
        });
        futures::future::join_all(checks).await
    }
}

#[cfg(feature = "tls")]
mod tls {
    use etcd_client::{Certificate, ConnectOptions, Identity, TlsOptions};
    use kivigo_core::{Error, Result};

    use crate::config::EtcdConfig;

    fn read(path: &std::path::Path) -> Result<Vec<u8>> {
        std::fs::read(path)
            .map_err(|e| Error::config(format!("etcd TLS: cannot read {}: {e}", path.display())))
    }

    /// Adds the TLS settings of `config`, when it has some.
    pub(super) fn apply(options: ConnectOptions, config: &EtcdConfig) -> Result<ConnectOptions> {
        let Some(tls) = &config.tls else {
            return Ok(options);
        };
        let mut settings = TlsOptions::new();
        if let Some(ca) = &tls.ca_file {
            settings = settings.ca_certificate(Certificate::from_pem(read(ca)?));
        }
        if let (Some(cert), Some(key)) = (&tls.cert_file, &tls.key_file) {
            settings = settings.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        if let Some(domain) = &tls.domain {
            settings = settings.domain_name(domain.clone());
        }
        Ok(options.with_tls(settings))
    }
}

#[cfg(not(feature = "tls"))]
mod tls {
    use etcd_client::ConnectOptions;
    use kivigo_core::Result;

    use crate::config::EtcdConfig;

    /// Without the `tls` feature, `EtcdConfig::check` has already refused TLS settings.
    pub(super) fn apply(options: ConnectOptions, _config: &EtcdConfig) -> Result<ConnectOptions> {
        Ok(options)
    }
}
