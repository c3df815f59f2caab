//! Configuration of the etcd backend, from code, serde or an `etcd://` URL.

use std::path::PathBuf;
use std::time::Duration;

use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

use crate::limits::MAX_PREFIX_SIZE;

/// Default time allowed to open a TCP (and TLS) connection to one endpoint.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time allowed for one request to one endpoint.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of keys fetched per page by `list`.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// Everything needed to reach an etcd cluster.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtcdConfig {
    /// `host:port` of each member to use (at least one). Requests go to one of them and move to
    /// the next when it cannot be reached.
    pub endpoints: Vec<String>,
    /// Put in front of every key, so that several applications (or test cases) share a cluster
    /// without seeing each other's keys. `list` only sees keys under it.
    #[serde(default)]
    pub prefix: String,
    /// User name, when the cluster has authentication enabled.
    #[serde(default)]
    pub user: Option<String>,
    /// Password of `user`. Never printed by `Debug`.
    #[serde(default)]
    pub password: Option<String>,
    /// Time allowed to connect to one endpoint.
    #[serde(default = "default_connect_timeout", with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Time allowed for one request (a get, a page of `list`, one Txn of a batch), failovers and
    /// retries included; past it the call fails with `Error::Timeout` and the next call starts
    /// at the next endpoint.
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Keys fetched per request by `list` (pages continue after the last key seen).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// TLS to the endpoints (crate feature `tls`); `None` talks plain HTTP/2.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

/// TLS settings: which authority to trust and, for client-certificate authentication, our
/// certificate and key. Files are PEM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsConfig {
    /// CA certificate that signed the servers' certificates; `None` uses the system's roots
    /// only when etcd-client was built with them, so set it for a private CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Client certificate, for clusters started with `--client-cert-auth`.
    #[serde(default)]
    pub cert_file: Option<PathBuf>,
    /// Key of the client certificate.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Name to check the servers' certificates against, when it differs from the endpoint host.
    #[serde(default)]
    pub domain: Option<String>,
}

fn default_connect_timeout() -> Duration {
    DEFAULT_CONNECT_TIMEOUT
}

fn default_timeout() -> Duration {
    DEFAULT_TIMEOUT
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl std::fmt::Debug for EtcdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdConfig")
            .field("endpoints", &self.endpoints)
            .field("prefix", &self.prefix)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .field("tls", &self.tls)
            .finish()
    }
}

impl EtcdConfig {
    /// A cluster reached through `endpoints` (`host:port` each), with the default options.
    pub fn new<I, S>(endpoints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            prefix: String::new(),
            user: None,
            password: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            page_size: DEFAULT_PAGE_SIZE,
            tls: None,
        }
    }

    /// The same configuration with every key under `prefix`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Reads `etcd://[user:password@]host:port[,host:port...][?options]`.
    ///
    /// Options: `prefix`, `connect_timeout`, `timeout`, `page_size`, and for TLS (crate feature
    /// `tls`) `tls=true`, `ca_file`, `cert_file`, `key_file`, `tls_domain`.
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        if url.hosts().is_empty() {
            return Err(Error::config(
                "etcd URL needs at least one endpoint, for example etcd://127.0.0.1:2379",
            ));
        }
        if !matches!(url.path(), "" | "/") {
            return Err(Error::config(format!(
                "etcd URL takes no path (got `{}`); put keys under a prefix with ?prefix=",
                url.path()
            )));
        }
        let mut options = url.options("etcd");
        let prefix = options.take::<String>("prefix")?.unwrap_or_default();
        let connect_timeout = options
            .take_duration("connect_timeout")?
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let timeout = options.take_duration("timeout")?.unwrap_or(DEFAULT_TIMEOUT);
        let page_size = options
            .take::<u32>("page_size")?
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let tls_on = options.take_bool("tls")?;
        let tls = TlsConfig {
            ca_file: options.take::<PathBuf>("ca_file")?,
            cert_file: options.take::<PathBuf>("cert_file")?,
            key_file: options.take::<PathBuf>("key_file")?,
            domain: options.take::<String>("tls_domain")?,
        };
        options.finish()?;
        let tls = match tls_on {
            Some(false) if tls != TlsConfig::default() => {
                return Err(Error::config(
                    "etcd options ca_file/cert_file/key_file/tls_domain need tls=true",
                ));
            }
            Some(false) => None,
            Some(true) => Some(tls),
            None => (tls != TlsConfig::default()).then_some(tls),
        };
        let user = (!url.username().is_empty()).then(|| url.username().to_owned());
        if user.is_none() && url.password().is_some() {
            return Err(Error::config("etcd URL has a password but no user name"));
        }
        let config = Self {
            endpoints: url.hosts().to_vec(),
            prefix,
            user,
            password: url.password().map(str::to_owned),
            connect_timeout,
            timeout,
            page_size,
            tls,
        };
        config.check()?;
        Ok(config)
    }

    /// Rejects values that cannot work, before anything connects.
    pub(crate) fn check(&self) -> Result<()> {
        if self.endpoints.is_empty() {
            return Err(Error::config("etcd needs at least one endpoint"));
        }
        if let Some(bad) = self.endpoints.iter().find(|e| e.trim().is_empty()) {
            return Err(Error::config(format!("etcd endpoint `{bad}` is empty")));
        }
        if self.prefix.len() > MAX_PREFIX_SIZE {
            return Err(Error::config(format!(
                "etcd prefix is {} bytes; at most {MAX_PREFIX_SIZE} are allowed",
                self.prefix.len()
            )));
        }
        if self.page_size == 0 {
            return Err(Error::config("etcd page_size must be at least 1"));
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("etcd timeouts must be longer than zero"));
        }
        if let Some(tls) = &self.tls
            && tls.cert_file.is_some() != tls.key_file.is_some()
        {
            return Err(Error::config(
                "etcd TLS client authentication needs both cert_file and key_file",
            ));
        }
        if self.tls.is_some() && !cfg!(feature = "tls") {
            return Err(Error::config(
                "etcd TLS needs kivigo-etcd's cargo feature `tls` (kivigo feature `etcd-tls`)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<EtcdConfig> {
        EtcdConfig::from_url(&BackendUrl::parse(url)?)
    }

    #[test]
    fn reads_endpoints_credentials_and_options() {
        let config = parse(
            "etcd://app:s3cret@10.0.0.1:2379,10.0.0.2:2379?prefix=app/&timeout=2s\
             &connect_timeout=500ms&page_size=50",
        )
        .expect("valid");
        assert_eq!(config.endpoints, ["10.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(config.prefix, "app/");
        assert_eq!(config.user.as_deref(), Some("app"));
        assert_eq!(config.password.as_deref(), Some("s3cret"));
        assert_eq!(config.timeout, Duration::from_secs(2));
        assert_eq!(config.connect_timeout, Duration::from_millis(500));
        assert_eq!(config.page_size, 50);
        assert_eq!(config.tls, None);
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn defaults() {
        let config = parse("etcd://127.0.0.1:2379/").expect("valid");
        assert_eq!(config, EtcdConfig::new(["127.0.0.1:2379"]));
    }

    #[test]
    fn rejects_bad_urls() {
        for url in [
            "etcd://",
            "etcd://h:2379/path",
            "etcd://h:2379?prefx=a",
            "etcd://h:2379?page_size=0",
            "etcd://h:2379?timeout=soon",
            "etcd://:pw@h:2379",
            "etcd://h:2379?tls=false&ca_file=/ca.pem",
            "etcd://h:2379?tls=true&cert_file=/c.pem",
        ] {
            let err = parse(url).expect_err(url);
            assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
        let long = format!("etcd://h:2379?prefix={}", "p".repeat(MAX_PREFIX_SIZE + 1));
        assert!(parse(&long).is_err());
    }

    #[test]
    fn tls_options_turn_tls_on() {
        let result = parse("etcd://h:2379?ca_file=/etc/ca.pem&tls_domain=etcd.local");
        if cfg!(feature = "tls") {
            let tls = result.expect("valid").tls.expect("tls on");
            assert_eq!(tls.ca_file, Some(PathBuf::from("/etc/ca.pem")));
            assert_eq!(tls.domain.as_deref(), Some("etcd.local"));
        } else {
            let err = result.expect_err("tls feature off").to_string();
            assert!(err.contains("feature `tls`"), "{err}");
        }
    }
}
