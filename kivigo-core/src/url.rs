//! Store URLs: parsing, options from the query string, and printing without secrets.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::{Error, Result};

/// Query parameters whose values are hidden when a URL is printed.
const SECRET_OPTIONS: &[&str] = &["password", "secret", "token", "key"];

/// A parsed store URL such as `redis://:pw@127.0.0.1:6379/2?prefix=app:`.
///
/// It accepts several hosts (`etcd://h1:2379,h2:2379`) and path-only forms (`sled://./data`,
/// `sqlite://:memory:`). `Display` and `Debug` never show the password, nor the value of a query
/// parameter that looks secret; [`BackendUrl::expose`] gives the full text to hand to a driver.
#[derive(Clone, PartialEq, Eq)]
pub struct BackendUrl {
    raw: String,
    scheme: String,
    username: String,
    password: Option<String>,
    hosts: Vec<String>,
    path: String,
    query: Vec<(String, String)>,
    generic: &'static [&'static str],
}

impl BackendUrl {
    /// Parses `scheme://[user[:password]@]host[:port][,host[:port]...][/path][?k=v&...]`.
    pub fn parse(input: &str) -> Result<Self> {
        let (scheme, rest) = input.split_once("://").ok_or_else(|| {
            Error::config(format!(
                "`{}` is not a store URL: expected `scheme://...`, for example `sled://./data`",
                redact_text(input)
            ))
        })?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(Error::config(format!(
                "`{}` has an invalid scheme `{scheme}`",
                redact_text(input)
            )));
        }
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = match before_query.find('/') {
            Some(slash) => before_query.split_at(slash),
            None => (before_query, ""),
        };
        let (userinfo, hosts) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((user, pass)) => (decode(user), Some(decode(pass))),
                None => (decode(info), None),
            },
            None => (String::new(), None),
        };
        let hosts = hosts
            .split(',')
            .filter(|host| !host.is_empty())
            .map(decode)
            .collect();
        let query = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(Self {
            raw: input.to_owned(),
            scheme: scheme.to_ascii_lowercase(),
            username,
            password,
            hosts,
            path: decode(path),
            query,
            generic: &[],
        })
    }

    /// The scheme, lower-cased (`redis`, `sled`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The user name, empty when there is none.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, when the URL has one. Never log it.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The `host[:port]` parts of the authority, in order (several for clusters).
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The path after the authority, percent-decoded, starting with `/` when present.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Everything between `scheme://` and `?`, decoded: the file path of path-only URLs such as
    /// `sled://./data` (`./data`) or `sled:///var/lib/app` (`/var/lib/app`).
    pub fn location(&self) -> String {
        format!("{}{}", self.hosts.join(","), self.path)
    }

    /// The full URL as given, password included: for drivers only, never for logs.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The full URL without the query parameters in `ours`, password included, for drivers that
    /// take their own options from the same string.
    pub fn expose_without(&self, ours: &[&str]) -> String {
        let Some((base, query)) = self.raw.split_once('?') else {
            return self.raw.clone();
        };
        // Keep the other parameters exactly as written: re-encoding them could change how the
        // driver reads them (a space written `%20` must not become `+`).
        let rest: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
                !pair.is_empty() && !ours.contains(&decode(name).as_str())
            })
            .collect();
        if rest.is_empty() {
            return base.to_owned();
        }
        format!("{base}?{}", rest.join("&"))
    }

    /// The same URL without the query parameters in `names`, remembering them as options that
    /// every store accepts (the facade's generic options, which it takes off before the backend
    /// sees the URL): [`Options::finish`] lists them beside the backend's own when it refuses an
    /// unknown option.
    pub fn without_generic(&self, names: &'static [&'static str]) -> Result<Self> {
        let mut url = Self::parse(&self.expose_without(names))?;
        url.generic = names;
        Ok(url)
    }

    /// The value of the query parameter `name`, when it is given (the last one if repeated).
    pub fn option(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the query string has a parameter called `name`.
    pub fn has_option(&self, name: &str) -> bool {
        self.query.iter().any(|(key, _)| key == name)
    }

    /// The query parameters, to read the backend's options from.
    pub fn options(&self, backend: &'static str) -> Options {
        Options {
            backend,
            remaining: self.query.iter().cloned().collect(),
            known: Vec::new(),
            generic: self.generic,
        }
    }
}

impl fmt::Display for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        let rest = self.raw.split_once("://").map_or("", |(_, rest)| rest);
        if self.username.is_empty() && self.password.is_none() {
            // An `@` that did not end up in the user-info usually means a password holding an
            // unencoded `/`, `?` or `#` cut the authority short: hide everything before it.
            if let Some(at) = rest.rfind('@') {
                let tail = &rest[at..];
                return match tail.split_once('?') {
                    Some((before, _)) => write!(f, "***{before}?***"),
                    None => write!(f, "***{tail}"),
                };
            }
        }
        if !self.username.is_empty() || self.password.is_some() {
            f.write_str(&self.username)?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}{}", self.hosts.join(","), self.path)?;
        for (index, (key, value)) in self.query.iter().enumerate() {
            let value = if is_secret(key) { "***" } else { value };
            write!(f, "{}{key}={value}", if index == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

impl fmt::Debug for BackendUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BackendUrl({self})")
    }
}

impl FromStr for BackendUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// The options of one backend, read from a URL's query string. Each `take_*` call removes the
/// option; [`Options::finish`] then rejects anything left over, naming the options that exist.
#[derive(Debug)]
pub struct Options {
    backend: &'static str,
    remaining: BTreeMap<String, String>,
    known: Vec<&'static str>,
    generic: &'static [&'static str],
}

impl Options {
    /// Removes `name` and parses it with `FromStr`.
    pub fn take<T>(&mut self, name: &'static str) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.take_with(name, |raw| raw.parse::<T>().map_err(|e| e.to_string()))
    }

    /// Removes `name` and parses it as a duration such as `500ms`, `5s` or `1m`.
    pub fn take_duration(&mut self, name: &'static str) -> Result<Option<Duration>> {
        self.take_with(name, |raw| {
            humantime::parse_duration(raw)
                .map_err(|e| format!("{e} (write a duration such as 500ms, 5s or 1m)"))
        })
    }

    /// Removes `name` and parses it as a boolean (`true`/`false`, `1`/`0`, `yes`/`no`).
    pub fn take_bool(&mut self, name: &'static str) -> Result<Option<bool>> {
        self.take_with(name, |raw| match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("expected true or false".to_owned()),
        })
    }

    /// Removes `name` and parses it with `parse`, whose error text is put in the config error.
    pub fn take_with<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        self.known.push(name);
        let Some(raw) = self.remaining.remove(name) else {
            return Ok(None);
        };
        parse(&raw).map(Some).map_err(|reason| {
            let shown = if is_secret(name) { "***" } else { raw.as_str() };
            Error::config(format!(
                "{} option `{name}={shown}` is invalid: {reason}",
                self.backend
            ))
        })
    }

    /// Fails when an option was given that no `take_*` call asked for.
    pub fn finish(self) -> Result<()> {
        match self.remaining.keys().next() {
            None => Ok(()),
            Some(unknown) => {
                let own = if self.known.is_empty() {
                    "none".to_owned()
                } else {
                    self.known.join(", ")
                };
                let generic = if self.generic.is_empty() {
                    String::new()
                } else {
                    format!("; options of every store: {}", self.generic.join(", "))
                };
                Err(Error::config(format!(
                    "unknown {} option `{unknown}`; known {} options: {own}{generic}",
                    self.backend, self.backend
                )))
            }
        }
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn is_secret(option: &str) -> bool {
    let option = option.to_ascii_lowercase();
    SECRET_OPTIONS.iter().any(|secret| option.contains(secret))
}

/// Hides the password of text that did not parse as a URL, for error messages.
fn redact_text(input: &str) -> String {
    match (input.find("://"), input.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            format!("{}***{}", &input[..start + 3], &input[at..])
        }
        _ => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_part() {
        let url = BackendUrl::parse("redis://me:s3cr%40t@127.0.0.1:6379/2?prefix=app:&x=1")
            .expect("valid");
        assert_eq!(url.scheme(), "redis");
        assert_eq!(url.username(), "me");
        assert_eq!(url.password(), Some("s3cr@t"));
        assert_eq!(url.hosts(), ["127.0.0.1:6379"]);
        assert_eq!(url.path(), "/2");
        let mut options = url.options("redis");
        assert_eq!(
            options.take::<String>("prefix").expect("ok").as_deref(),
            Some("app:")
        );
        assert!(options.finish().is_err(), "x is unknown");
    }

    #[test]
    fn password_never_prints() {
        let url = BackendUrl::parse("postgres://u:hunter2@db/app?password=hunter2&table=kv")
            .expect("valid");
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("table=kv"), "{shown}");
        }
        assert!(url.expose().contains("hunter2"));
    }

    #[test]
    fn a_password_with_an_unencoded_slash_never_prints() {
        for raw in [
            "redis://:ab/cd@h:6379/0",
            "postgres://u:p?q#r@db/app",
            "x://u:a/b@h",
            "x://u:a/b@h?password=ab",
        ] {
            let url = BackendUrl::parse(raw).expect("parses");
            let shown = format!("{url} {url:?}");
            for secret in ["ab", "cd", "p?q", "a/b"] {
                assert!(!shown.contains(secret), "{raw} shown as {shown}");
            }
        }
    }

    #[test]
    fn unparseable_input_is_redacted_in_errors() {
        let err = BackendUrl::parse("redis//u:hunter2@host")
            .expect_err("should fail")
            .to_string();
        assert!(err.contains("not a store URL"), "{err}");
        let err = BackendUrl::parse("re dis://u:hunter2@host")
            .expect_err("should fail")
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn several_hosts_and_path_only_forms() {
        let etcd = BackendUrl::parse("etcd://a:2379,b:2379").expect("valid");
        assert_eq!(etcd.hosts(), ["a:2379", "b:2379"]);
        assert_eq!(
            BackendUrl::parse("sled://./data")
                .expect("valid")
                .location(),
            "./data"
        );
        assert_eq!(
            BackendUrl::parse("sled:///var/db")
                .expect("valid")
                .location(),
            "/var/db"
        );
        assert_eq!(
            BackendUrl::parse("memory://").expect("valid").location(),
            ""
        );
    }

    #[test]
    fn options_report_bad_values_and_unknown_names() {
        let url = BackendUrl::parse("x://h?timeout=soon&flush=maybe").expect("valid");
        let mut options = url.options("x");
        let err = options
            .take_duration("timeout")
            .expect_err("should fail")
            .to_string();
        assert!(err.contains("timeout=soon"), "{err}");
        assert!(options.take_bool("flush").is_err());
        assert!(options.finish().is_ok());
    }

    #[test]
    fn generic_options_are_taken_off_and_listed_in_errors() {
        let url = BackendUrl::parse("x://h/?prefix=app:&flush=1s&bogus=1").expect("valid");
        assert_eq!(url.option("prefix"), Some("app:"));
        let rest = url.without_generic(&["prefix"]).expect("valid");
        assert!(!rest.has_option("prefix") && rest.has_option("flush"));
        let mut options = rest.options("x");
        let _ = options.take_duration("flush");
        let err = options.finish().expect_err("bogus is unknown").to_string();
        assert!(
            err.contains("`bogus`") && err.contains("flush") && err.contains("every store: prefix"),
            "{err}"
        );
    }

    #[test]
    fn driver_url_drops_our_options_only() {
        let url =
            BackendUrl::parse("mongodb://h/?directConnection=true&collection=kv").expect("valid");
        assert_eq!(
            url.expose_without(&["collection"]),
            "mongodb://h/?directConnection=true"
        );
        let spaced = BackendUrl::parse("x://h/?appName=my%20app&table=kv").expect("valid");
        assert_eq!(spaced.expose_without(&["table"]), "x://h/?appName=my%20app");
        assert_eq!(spaced.expose_without(&["table", "appName"]), "x://h/");
    }
}
