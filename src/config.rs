//! A serde configuration that names a store, for config files and the environment.

use std::collections::BTreeMap;
use std::fmt;

use kivigo_core::{BackendUrl, Client, Error, Result};
use serde::{Deserialize, Serialize};

/// Which store to open: a URL plus options, deserializable from TOML, JSON, YAML or the
/// environment. Options are the same as the URL's query parameters.
///
/// ```toml
/// url = "sled://./data"
/// [options]
/// flush = "500ms"
/// ```
///
/// `Debug` never shows the password of the URL.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The store URL, for example `redis://127.0.0.1:6379/0` or `sled://./data`.
    pub url: String,
    /// Backend options, merged into the URL's query string. Numbers and booleans are accepted
    /// as well as strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, OptionValue>,
}

/// The value of one option in a [`Config`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptionValue {
    /// A boolean, written as `true` / `false`.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A floating-point number.
    Float(f64),
    /// Text, for example a duration such as `"500ms"`.
    Text(String),
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Bool(b) => write!(f, "{b}"),
            OptionValue::Integer(i) => write!(f, "{i}"),
            OptionValue::Float(x) => write!(f, "{x}"),
            OptionValue::Text(s) => f.write_str(s),
        }
    }
}

impl Config {
    /// A config for `url` with no extra options.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            options: BTreeMap::new(),
        }
    }

    /// Adds one option.
    pub fn with_option(mut self, name: impl Into<String>, value: impl fmt::Display) -> Self {
        self.options
            .insert(name.into(), OptionValue::Text(value.to_string()));
        self
    }

    /// Reads `{PREFIX}_URL` and every `{PREFIX}_OPTION_<NAME>` variable (the option name is
    /// lower-cased), for example `KIVIGO_URL=redis://...` and `KIVIGO_OPTION_PREFIX=app:`.
    pub fn from_env(prefix: &str) -> Result<Self> {
        Self::from_vars(prefix, std::env::vars())
    }

    fn from_vars(prefix: &str, vars: impl Iterator<Item = (String, String)>) -> Result<Self> {
        let url_var = format!("{prefix}_URL");
        let option_prefix = format!("{prefix}_OPTION_");
        let mut config = Config::new(String::new());
        for (name, value) in vars {
            if name == url_var {
                config.url = value;
            } else if let Some(option) = name.strip_prefix(&option_prefix) {
                config
                    .options
                    .insert(option.to_ascii_lowercase(), OptionValue::Text(value));
            }
        }
        if config.url.is_empty() {
            return Err(Error::config(format!("{url_var} is not set")));
        }
        Ok(config)
    }

    /// The URL with the options merged into its query string. An option given both in the URL
    /// and in `options` is a config error.
    pub fn to_url(&self) -> Result<String> {
        let parsed = BackendUrl::parse(&self.url)?;
        if let Some(twice) = self.options.keys().find(|name| parsed.has_option(name)) {
            return Err(Error::config(format!(
                "option `{twice}` is given both in the URL and in options"
            )));
        }
        if self.options.is_empty() {
            return Ok(self.url.clone());
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.options.iter().map(|(k, v)| (k, v.to_string())))
            .finish();
        let separator = if self.url.contains('?') { '&' } else { '?' };
        Ok(format!("{}{separator}{query}", self.url))
    }

    /// Opens the store with a JSON client.
    pub async fn open(&self) -> Result<Client> {
        crate::open(&self.to_url()?).await
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Options are shown merged into the URL, whose Display hides passwords and secret
        // options alike.
        let shown = self
            .to_url()
            .and_then(|url| BackendUrl::parse(&url))
            .map(|url| url.to_string())
            .unwrap_or_else(|_| "<invalid URL>".to_owned());
        write!(f, "Config({shown})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn environment_gives_url_and_lower_cased_options() {
        let config = Config::from_vars(
            "APP_KV",
            vars(&[
                ("APP_KV_URL", "sled://./data"),
                ("APP_KV_OPTION_FLUSH", "500ms"),
                ("OTHER_URL", "memory://"),
            ]),
        )
        .expect("config");
        assert_eq!(config.url, "sled://./data");
        assert_eq!(config.to_url().expect("url"), "sled://./data?flush=500ms");
    }

    #[test]
    fn environment_without_url_is_a_config_error() {
        let err = Config::from_vars("APP_KV", vars(&[])).expect_err("should fail");
        assert!(err.to_string().contains("APP_KV_URL is not set"), "{err}");
    }
}
