//! Configuration of the memcached backend, from code, serde or a `memcached://` URL.

use std::time::Duration;

use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

use crate::limits::ITEM_OVERHEAD;

/// The port memcached listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 11211;

/// Everything needed to reach one memcached server or a set of them.
///
/// With several servers, each key lives on one of them, picked by rendezvous hashing of the key
/// (the `memcache` crate's router); there is no replication.
///
/// Keys go to the servers as they are. To keep an application's keys under a prefix, use the
/// generic URL option `?prefix=app:` of `kivigo::open`, or wrap the backend in
/// [`kivigo_core::layer::Prefix`]: the keys are stored as `prefix + key`, as the `prefix` field
/// of kivigo-memcached 0.1 stored them, so existing data stays readable. Unknown fields
/// (`prefix` among them) are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemcachedConfig {
    /// `host:port` of each server (`host` alone means port 11211).
    pub servers: Vec<String>,
    /// Longest one exchange with a server may take: a single command, or one chunk of a batch
    /// (request written and every answer read).
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Longest dialing a server may take.
    #[serde(default = "default_connect_timeout", with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Cap on the connections in use per server; `None` (the default) dials as many as there
    /// are concurrent calls and keeps up to 8 idle ones.
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// The servers' item size limit (memcached's `-I`) in bytes. `None` (the default) asks each
    /// server with `stats settings` when opening and uses the smallest answer.
    #[serde(default)]
    pub item_size_max: Option<usize>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(2)
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(1)
}

impl MemcachedConfig {
    /// One server, default timeouts.
    pub fn new(server: impl Into<String>) -> Self {
        Self {
            servers: vec![server.into()],
            timeout: default_timeout(),
            connect_timeout: default_connect_timeout(),
            max_connections: None,
            item_size_max: None,
        }
    }

    /// Several servers, default timeouts.
    pub fn servers<S: Into<String>>(servers: impl IntoIterator<Item = S>) -> Self {
        Self {
            servers: servers.into_iter().map(Into::into).collect(),
            ..Self::new(String::new())
        }
    }

    /// Reads `memcached://HOST[:PORT][,HOST[:PORT]...][?timeout=2s&connect_timeout=1s
    /// &max_connections=N&item_size_max=BYTES]`. `prefix` is not an option of this backend: it is
    /// generic (`kivigo::open` turns it into a [`kivigo_core::layer::Prefix`] layer).
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        if url.hosts().is_empty() {
            return Err(Error::config(
                "memcached URL needs at least one server, for example memcached://127.0.0.1:11211",
            ));
        }
        if !url.path().is_empty() && url.path() != "/" {
            return Err(Error::config(format!(
                "memcached URL takes no path (memcached has no databases): `{url}`"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::config(
                "memcached URL takes no user or password: the meta protocol has no authentication",
            ));
        }
        if url.has_option("prefix") {
            return Err(Error::config(
                "`prefix` is a generic option: open the URL with kivigo::open (which keeps keys \
                 under the prefix for every store), or wrap the backend in \
                 kivigo_core::layer::Prefix; kivigo_memcached::open_url takes only memcached \
                 options",
            ));
        }
        let mut options = url.options("memcached");
        let mut config = Self::servers(url.hosts().iter().map(|h| with_port(h)));
        if let Some(timeout) = options.take_duration("timeout")? {
            config.timeout = timeout;
        }
        if let Some(timeout) = options.take_duration("connect_timeout")? {
            config.connect_timeout = timeout;
        }
        config.max_connections = options.take_with("max_connections", positive)?;
        config.item_size_max = options.take_with("item_size_max", parse_size)?;
        options.finish()?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what `from_url` checks, for configurations built in code or read with serde.
    pub fn validate(&self) -> Result<()> {
        if self.servers.is_empty() || self.servers.iter().any(|s| s.is_empty()) {
            return Err(Error::config("memcached needs at least one server"));
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("memcached timeouts must be longer than zero"));
        }
        Ok(())
    }
}

/// `host` gets the default port; `host:port` and `[v6]:port` are kept.
fn with_port(host: &str) -> String {
    let has_port = match host.strip_prefix('[') {
        Some(v6) => v6.contains("]:"),
        None => host.contains(':'),
    };
    if has_port {
        host.to_owned()
    } else {
        format!("{host}:{DEFAULT_PORT}")
    }
}

fn positive(raw: &str) -> std::result::Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a whole number of at least 1".to_owned()),
    }
}

/// Bytes, with an optional `k` or `m` suffix as memcached's own `-I` takes.
fn parse_size(raw: &str) -> std::result::Result<usize, String> {
    let lower = raw.to_ascii_lowercase();
    let (digits, unit) = match lower.strip_suffix('k') {
        Some(d) => (d, 1024),
        None => match lower.strip_suffix('m') {
            Some(d) => (d, 1024 * 1024),
            None => (lower.as_str(), 1),
        },
    };
    match digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
    {
        Some(bytes) if bytes >= ITEM_OVERHEAD * 2 => Ok(bytes),
        _ => Err(format!(
            "expected a size in bytes of at least {} (suffix k or m allowed), such as 1m",
            ITEM_OVERHEAD * 2
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<MemcachedConfig> {
        MemcachedConfig::from_url(&BackendUrl::parse(url)?)
    }

    #[test]
    fn reads_servers_and_options() {
        let config = parse(
            "memcached://a:11300,b,[::1]:11211?timeout=250ms&connect_timeout=3s\
             &max_connections=4&item_size_max=2m",
        )
        .expect("ok");
        assert_eq!(config.servers, ["a:11300", "b:11211", "[::1]:11211"]);
        assert_eq!(config.timeout, Duration::from_millis(250));
        assert_eq!(config.connect_timeout, Duration::from_secs(3));
        assert_eq!(config.max_connections, Some(4));
        assert_eq!(config.item_size_max, Some(2 << 20));
        let plain = parse("memcached://127.0.0.1:11211/").expect("ok");
        assert_eq!(plain, MemcachedConfig::new("127.0.0.1:11211"));
    }

    #[test]
    fn rejects_bad_urls_and_options() {
        for bad in [
            "memcached://",
            "memcached://h/db",
            "memcached://u:pw@h",
            "memcached://h?timeout=0s",
            "memcached://h?max_connections=0",
            "memcached://h?item_size_max=lots",
            "memcached://h?prefx=a",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        let err = parse("memcached://h?prefix=app:")
            .expect_err("generic")
            .to_string();
        assert!(
            err.contains("kivigo::open") && err.contains("Prefix"),
            "{err}"
        );
        let err = parse("memcached://h?prefx=a")
            .expect_err("unknown")
            .to_string();
        assert!(err.contains("prefx") && err.contains("timeout"), "{err}");
    }

    #[test]
    fn serde_uses_readable_durations() {
        let config: MemcachedConfig =
            serde_json::from_str(r#"{"servers":["h:1"],"timeout":"5s"}"#).expect("json");
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert_eq!(config.connect_timeout, Duration::from_secs(1));
        // The 0.1 `prefix` field is refused rather than silently dropped (keys would land
        // outside the prefix): the Prefix layer replaces it.
        let old = serde_json::from_str::<MemcachedConfig>(r#"{"servers":["h:1"],"prefix":"app:"}"#);
        assert!(old.expect_err("prefix").to_string().contains("prefix"));
    }
}
