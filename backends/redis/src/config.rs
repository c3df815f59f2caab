//! Configuration of the Redis backend, from code, serde or a `redis://` URL.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

/// The port Redis listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 6379;
/// How long one connection attempt may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server may take to answer one command (or one pipeline) by default.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedisAddress {
    /// Plain TCP (`redis://host:port`).
    Tcp {
        /// Host name or IP address.
        host: String,
        /// TCP port.
        port: u16,
    },
    /// TLS over TCP (`rediss://host:port`); needs the crate feature `tls`.
    Tls {
        /// Host name or IP address; the certificate must be valid for it unless `insecure`.
        host: String,
        /// TCP port.
        port: u16,
        /// Accept any certificate and host name. Only for tests against self-signed servers.
        #[serde(default)]
        insecure: bool,
    },
    /// A Unix domain socket (`redis+unix:///path/to/redis.sock`).
    Unix {
        /// Path of the socket file.
        path: PathBuf,
    },
}

impl fmt::Display for RedisAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisAddress::Tcp { host, port } => write!(f, "redis://{host}:{port}"),
            RedisAddress::Tls { host, port, .. } => write!(f, "rediss://{host}:{port}"),
            RedisAddress::Unix { path } => write!(f, "redis+unix://{}", path.display()),
        }
    }
}

/// Everything needed to reach a Redis server.
///
/// Keys go to the server as they are. To keep an application's keys under a prefix, use the
/// generic URL option `?prefix=app:` of `kivigo::open`, or wrap the backend in
/// [`kivigo_core::layer::Prefix`]: the keys are stored as `prefix + key`, as the `prefix` field
/// of kivigo-redis 0.1 stored them. Unknown fields (`prefix` among them) are refused.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// Where the server is.
    pub address: RedisAddress,
    /// Database number (`SELECT`), 0 by default.
    #[serde(default)]
    pub db: i64,
    /// ACL user name, when the server uses ACLs.
    #[serde(default)]
    pub username: Option<String>,
    /// Password (`AUTH`). Never printed by `Debug`.
    #[serde(default)]
    pub password: Option<String>,
    /// How long one connection attempt may take before the call fails.
    #[serde(default = "default_connect_timeout", with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// How long the server may take to answer one command or pipeline.
    #[serde(default = "default_response_timeout", with = "humantime_serde")]
    pub response_timeout: Duration,
}

fn default_connect_timeout() -> Duration {
    DEFAULT_CONNECT_TIMEOUT
}

fn default_response_timeout() -> Duration {
    DEFAULT_RESPONSE_TIMEOUT
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("address", &self.address)
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish()
    }
}

impl RedisConfig {
    /// A server reached over plain TCP, database 0, default timeouts.
    pub fn tcp(host: impl Into<String>, port: u16) -> Self {
        Self::at(RedisAddress::Tcp {
            host: host.into(),
            port,
        })
    }

    /// A server at `address`, database 0, default timeouts.
    pub fn at(address: RedisAddress) -> Self {
        Self {
            address,
            db: 0,
            username: None,
            password: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
        }
    }

    /// Reads one of
    ///
    /// - `redis://[user[:password]@]host[:port][/db][?options]`
    /// - `rediss://[user[:password]@]host[:port][/db][?options][&insecure=true]` (feature `tls`)
    /// - `redis+unix://[user[:password]@]/path/to/redis.sock[?db=N&options]`
    ///
    /// where the options are `connect_timeout=DURATION` and `response_timeout=DURATION`
    /// (durations such as `500ms`, `5s`). `prefix` is not an option of this backend: it is
    /// generic (`kivigo::open` turns it into a [`kivigo_core::layer::Prefix`] layer).
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        let mut options = url.options("redis");
        let (address, db) = match url.scheme() {
            "redis" => {
                let (host, port) = single_host(url)?;
                (RedisAddress::Tcp { host, port }, db_from_path(url.path())?)
            }
            "rediss" => {
                let (host, port) = single_host(url)?;
                let insecure = options.take_bool("insecure")?.unwrap_or(false);
                let address = RedisAddress::Tls {
                    host,
                    port,
                    insecure,
                };
                (address, db_from_path(url.path())?)
            }
            "redis+unix" => {
                if !url.hosts().is_empty() || url.path().len() < 2 {
                    return Err(Error::config(
                        "redis+unix URL needs an absolute socket path and no host, for example \
                         redis+unix:///run/redis/redis.sock?db=2",
                    ));
                }
                let db = options.take::<i64>("db")?.unwrap_or(0);
                let path = PathBuf::from(url.path());
                (RedisAddress::Unix { path }, db)
            }
            other => {
                return Err(Error::config(format!(
                    "the redis backend opens redis://, rediss:// and redis+unix:// URLs, not \
                     {other}://"
                )));
            }
        };
        if db < 0 {
            return Err(Error::config(format!(
                "redis database number must not be negative, got {db}"
            )));
        }
        if url.has_option("prefix") {
            return Err(Error::config(
                "`prefix` is a generic option: open the URL with kivigo::open (which keeps keys \
                 under the prefix for every store), or wrap the backend in \
                 kivigo_core::layer::Prefix; kivigo_redis::open_url takes only redis options",
            ));
        }
        let connect_timeout = positive(&mut options, "connect_timeout")?;
        let response_timeout = positive(&mut options, "response_timeout")?;
        options.finish()?;
        Ok(Self {
            address,
            db,
            username: Some(url.username().to_owned()).filter(|name| !name.is_empty()),
            password: url.password().map(str::to_owned),
            connect_timeout: connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            response_timeout: response_timeout.unwrap_or(DEFAULT_RESPONSE_TIMEOUT),
        })
    }
}

fn positive(
    options: &mut kivigo_core::backend::Options,
    name: &'static str,
) -> Result<Option<Duration>> {
    options.take_with(name, |raw| match humantime::parse_duration(raw) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("must be longer than zero".to_owned()),
        Err(err) => Err(format!("{err} (write a duration such as 500ms, 5s or 1m)")),
    })
}

/// The one `host[:port]` of a TCP URL; IPv6 addresses go in brackets (`[::1]:6379`).
fn single_host(url: &BackendUrl) -> Result<(String, u16)> {
    let [host] = url.hosts() else {
        return Err(Error::config(format!(
            "a {}:// URL needs exactly one host, for example redis://127.0.0.1:6379/0",
            url.scheme()
        )));
    };
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest
            .split_once(']')
            .ok_or_else(|| Error::config(format!("unclosed `[` in redis host `{host}`")))?;
        (name, after.strip_prefix(':'))
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host.as_str(), None),
        }
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| Error::config(format!("invalid port in redis host `{host}`")))?,
    };
    if name.is_empty() {
        return Err(Error::config(format!("empty host name in `{host}`")));
    }
    Ok((name.to_owned(), port))
}

/// The database number in the path: `""`, `"/"` and `"/0"` are 0.
fn db_from_path(path: &str) -> Result<i64> {
    match path.trim_matches('/') {
        "" => Ok(0),
        text => text.parse::<i64>().map_err(|_| {
            Error::config(format!(
                "the path of a redis URL is the database number, got `{path}`"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<RedisConfig> {
        RedisConfig::from_url(&BackendUrl::parse(url)?)
    }

    #[test]
    fn reads_host_port_db_and_options() {
        let config = parse(
            "redis://app:s3cret@cache.local:6380/3?connect_timeout=250ms&response_timeout=2s",
        )
        .expect("ok");
        assert_eq!(
            config.address,
            RedisAddress::Tcp {
                host: "cache.local".into(),
                port: 6380
            }
        );
        assert_eq!(config.db, 3);
        assert_eq!(config.username.as_deref(), Some("app"));
        assert_eq!(config.password.as_deref(), Some("s3cret"));
        assert_eq!(config.connect_timeout, Duration::from_millis(250));
        assert_eq!(config.response_timeout, Duration::from_secs(2));
    }

    #[test]
    fn defaults() {
        let config = parse("redis://127.0.0.1").expect("ok");
        assert_eq!(config, RedisConfig::tcp("127.0.0.1", 6379));
        assert_eq!(parse("redis://h/").expect("ok").db, 0);
        assert_eq!(
            parse("redis://[::1]:7000/2").expect("ok").address,
            RedisAddress::Tcp {
                host: "::1".into(),
                port: 7000
            }
        );
        assert_eq!(parse("redis://:pw@h").expect("ok").username, None);
    }

    #[test]
    fn unix_socket_and_tls_forms() {
        let config = parse("redis+unix:///run/redis.sock?db=4").expect("ok");
        assert_eq!(
            config.address,
            RedisAddress::Unix {
                path: "/run/redis.sock".into()
            }
        );
        assert_eq!(config.db, 4);
        assert_eq!(
            parse("rediss://h:6380/1?insecure=true")
                .expect("ok")
                .address,
            RedisAddress::Tls {
                host: "h".into(),
                port: 6380,
                insecure: true
            }
        );
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in [
            "redis://",
            "redis://a:1,b:2",
            "redis://h:port",
            "redis://h/zero",
            "redis://h/-1",
            "redis://h?connect_timeout=0s",
            "redis://h?response_timeout=soon",
            "redis://h?insecure=true",
            "redis://h?db=2",
            "redis+unix://",
            "redis+unix://host/sock",
            "memcached://h",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        let err = parse("redis://h?timeout=1s")
            .expect_err("unknown")
            .to_string();
        assert!(
            err.contains("timeout") && err.contains("connect_timeout"),
            "{err}"
        );
        let err = parse("redis://h?prefix=app:")
            .expect_err("generic")
            .to_string();
        assert!(
            err.contains("kivigo::open") && err.contains("Prefix"),
            "{err}"
        );
    }

    #[test]
    fn a_serde_config_with_the_old_prefix_field_is_refused() {
        let old = r#"{"address": {"tcp": {"host": "h", "port": 6379}}, "prefix": "app:"}"#;
        let err = serde_json::from_str::<RedisConfig>(old).expect_err("prefix is gone");
        assert!(err.to_string().contains("prefix"), "{err}");
        let new = r#"{"address": {"tcp": {"host": "h", "port": 6379}}, "db": 2}"#;
        let config: RedisConfig = serde_json::from_str(new).expect("parse");
        assert_eq!(config.db, 2);
    }

    #[test]
    fn password_never_prints() {
        let config = parse("redis://u:hunter2@h/0").expect("ok");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
