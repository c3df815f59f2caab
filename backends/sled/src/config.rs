//! Configuration of the sled backend, from code, serde or a `sled://` URL.

use std::path::PathBuf;
use std::time::Duration;

use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

/// When sled writes its log to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlushPolicy {
    /// Flush after every `set`, `delete` and batch, before the call returns (the default). A
    /// write that returned survives a crash or power loss; each write costs an `fsync`.
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
    /// Named tree inside the database; `None` uses the default tree.
    #[serde(default)]
    pub tree: Option<String>,
    /// When writes reach the disk.
    #[serde(default)]
    pub flush: FlushPolicy,
    /// Page cache size in bytes; `None` keeps sled's default (1 GiB).
    #[serde(default)]
    pub cache_capacity: Option<u64>,
}

impl SledConfig {
    /// A database at `path` with the default tree, flush policy and cache.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            tree: None,
            flush: FlushPolicy::default(),
            cache_capacity: None,
        }
    }

    /// Reads `sled://PATH?flush=always|<interval>&tree=NAME&cache_capacity=BYTES`.
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
        options.finish()?;
        Ok(Self {
            path: path.into(),
            tree,
            flush,
            cache_capacity,
        })
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
        let config = parse("sled://./data?flush=250ms&tree=app&cache_capacity=1024").expect("ok");
        assert_eq!(config.path, PathBuf::from("./data"));
        assert_eq!(config.flush, FlushPolicy::Every(Duration::from_millis(250)));
        assert_eq!(config.tree.as_deref(), Some("app"));
        assert_eq!(config.cache_capacity, Some(1024));
        assert_eq!(
            parse("sled:///abs/db").expect("ok").flush,
            FlushPolicy::Always
        );
    }

    #[test]
    fn rejects_missing_path_bad_flush_and_unknown_options() {
        assert!(parse("sled://").is_err());
        assert!(parse("sled://./d?flush=sometimes").is_err());
        assert!(parse("sled://./d?flush=0s").is_err());
        let err = parse("sled://./d?fluhs=always")
            .expect_err("should fail")
            .to_string();
        assert!(err.contains("fluhs") && err.contains("flush"), "{err}");
    }
}
