//! Configuration of the sled backend, from code, serde or a `sled://` URL.

use std::path::PathBuf;
use std::time::Duration;

use kivigo_core::backend::DEFAULT_SWEEP_INTERVAL;
use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

/// Names of the trees kivigo keeps beside the data start with this; a data tree may not.
pub(crate) const RESERVED_TREE_PREFIX: &str = "__kivigo";

/// When sled writes its log to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlushPolicy {
    /// Flush after every write (`set`, `delete`, batches, conditional writes, `expire`,
    /// `increment`) before the call returns (the default). A write that returned survives a
    /// crash or power loss; each write costs an `fsync`.
    #[default]
    Always,
    /// Let sled flush in the background at this interval. Writes are much faster; a crash can
    /// lose the writes of the last interval (sled recovers to a consistent earlier state, never
    /// to a torn one). `close` still flushes everything.
    #[serde(with = "humantime_serde")]
    Every(Duration),
}

/// Everything needed to open a sled database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SledConfig {
    /// Directory of the database (created when missing).
    pub path: PathBuf,
    /// Named tree inside the database; `None` uses the default tree. Names starting with
    /// `__kivigo` are kept for kivigo's own trees.
    #[serde(default)]
    pub tree: Option<String>,
    /// When writes reach the disk.
    #[serde(default)]
    pub flush: FlushPolicy,
    /// Page cache size in bytes; `None` keeps sled's default (1 GiB).
    #[serde(default)]
    pub cache_capacity: Option<u64>,
    /// How often a background thread removes expired entries (default 1 s). Zero turns it
    /// off: expired entries are then still never returned, and are removed when overwritten
    /// or deleted.
    #[serde(default = "default_sweep_interval", with = "humantime_serde")]
    pub sweep_interval: Duration,
}

fn default_sweep_interval() -> Duration {
    DEFAULT_SWEEP_INTERVAL
}

impl SledConfig {
    /// A database at `path` with the default tree, flush policy, cache and sweep interval.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            tree: None,
            flush: FlushPolicy::default(),
            cache_capacity: None,
            sweep_interval: DEFAULT_SWEEP_INTERVAL,
        }
    }

    /// Reads
    /// `sled://PATH?flush=always|<interval>&tree=NAME&cache_capacity=BYTES&sweep_interval=<interval>`.
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        let path = url.location();
        if path.is_empty() {
            return Err(Error::config(
                "sled URL needs a path, for example sled://./data or sled:///var/lib/app",
            ));
        }
        let mut options = url.options("sled");
        let flush = options.take_with("flush", parse_flush)?.unwrap_or_default();
        let tree = options.take::<String>("tree")?;
        let cache_capacity = options.take::<u64>("cache_capacity")?;
        let sweep_interval = options
            .take_duration("sweep_interval")?
            .unwrap_or(DEFAULT_SWEEP_INTERVAL);
        options.finish()?;
        let config = Self {
            path: path.into(),
            tree,
            flush,
            cache_capacity,
            sweep_interval,
        };
        config.check()?;
        Ok(config)
    }

    /// Refuses settings that cannot work, before anything is opened.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.tree {
            Some(name) if name.starts_with(RESERVED_TREE_PREFIX) => Err(Error::config(format!(
                "sled tree names starting with `{RESERVED_TREE_PREFIX}` are kept for kivigo's \
                 expiry trees; pick another than `{name}`"
            ))),
            _ => Ok(()),
        }
    }
}

fn parse_flush(raw: &str) -> std::result::Result<FlushPolicy, String> {
    if raw == "always" {
        return Ok(FlushPolicy::Always);
    }
    match humantime::parse_duration(raw) {
        Ok(interval) if !interval.is_zero() => Ok(FlushPolicy::Every(interval)),
        _ => Err("expected `always` or an interval such as 500ms".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<SledConfig> {
        SledConfig::from_url(&BackendUrl::parse(url)?)
    }

    #[test]
    fn reads_path_and_options() {
        let config =
            parse("sled://./data?flush=250ms&tree=app&cache_capacity=1024&sweep_interval=100ms")
                .expect("ok");
        assert_eq!(config.path, PathBuf::from("./data"));
        assert_eq!(config.flush, FlushPolicy::Every(Duration::from_millis(250)));
        assert_eq!(config.tree.as_deref(), Some("app"));
        assert_eq!(config.cache_capacity, Some(1024));
        assert_eq!(config.sweep_interval, Duration::from_millis(100));
        let defaults = parse("sled:///abs/db").expect("ok");
        assert_eq!(defaults.flush, FlushPolicy::Always);
        assert_eq!(defaults.sweep_interval, Duration::from_secs(1));
        assert_eq!(defaults, SledConfig::new("/abs/db"));
        let off = parse("sled://./d?sweep_interval=0s").expect("ok");
        assert!(off.sweep_interval.is_zero());
    }

    #[test]
    fn rejects_missing_path_bad_options_and_reserved_trees() {
        assert!(parse("sled://").is_err());
        assert!(parse("sled://./d?flush=sometimes").is_err());
        assert!(parse("sled://./d?flush=0s").is_err());
        assert!(parse("sled://./d?sweep_interval=often").is_err());
        let err = parse("sled://./d?fluhs=always")
            .expect_err("should fail")
            .to_string();
        assert!(
            err.contains("fluhs") && err.contains("flush") && err.contains("sweep_interval"),
            "{err}"
        );
        let reserved = parse("sled://./d?tree=__kivigo_expiry")
            .expect_err("reserved")
            .to_string();
        assert!(reserved.contains("kept for kivigo"), "{reserved}");
    }

    #[test]
    fn serde_fills_defaults() {
        let config: SledConfig = serde_json::from_str(r#"{"path":"./d"}"#).expect("json");
        assert_eq!(config, SledConfig::new("./d"));
        let config: SledConfig =
            serde_json::from_str(r#"{"path":"./d","sweep_interval":"250ms"}"#).expect("json");
        assert_eq!(config.sweep_interval, Duration::from_millis(250));
    }
}
