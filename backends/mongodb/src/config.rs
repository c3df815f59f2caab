//! Configuration of the MongoDB backend, from code, serde or a `mongodb://` URL.

use std::fmt;

use kivigo_core::{BackendUrl, Error, Result};
use serde::{Deserialize, Serialize};

/// The query options kivigo reads; every other option goes to the driver untouched.
pub(crate) const OUR_OPTIONS: &[&str] = &["database", "collection"];

/// Database used when the URL names none.
pub const DEFAULT_DATABASE: &str = "kivigo";

/// Collection used when the URL names none.
pub const DEFAULT_COLLECTION: &str = "kv";

/// Everything needed to reach a MongoDB collection.
///
/// `uri` is a MongoDB connection string (`mongodb://` or `mongodb+srv://`) handed to the
/// driver as it is, so it can carry any of the driver's options (`directConnection`,
/// `serverSelectionTimeoutMS`, `tls`, `authSource`, `w`...). Its path (`/admin` in
/// `mongodb://u:p@h/admin`) is the driver's default authentication database, not where kivigo
/// writes: that is [`MongoConfig::database`].
///
/// `Debug` hides the password of `uri`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MongoConfig {
    /// The MongoDB connection string, without kivigo's own options.
    pub uri: String,
    /// Database holding the collection (default `kivigo`).
    #[serde(default = "default_database")]
    pub database: String,
    /// Collection holding one document per key (default `kv`).
    #[serde(default = "default_collection")]
    pub collection: String,
}

fn default_database() -> String {
    DEFAULT_DATABASE.to_owned()
}

fn default_collection() -> String {
    DEFAULT_COLLECTION.to_owned()
}

impl MongoConfig {
    /// The default database and collection on the server(s) of `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            database: default_database(),
            collection: default_collection(),
        }
    }

    /// Reads `mongodb[+srv]://[user:password@]host[:port][,...][/authdb][?database=DB&collection=NAME&<driver options>]`.
    ///
    /// `database` and `collection` are kivigo's; they are removed before the rest of the URL
    /// goes to the driver, which rejects the options it does not know.
    pub fn from_url(url: &BackendUrl) -> Result<Self> {
        if !matches!(url.scheme(), "mongodb" | "mongodb+srv") {
            return Err(Error::config(format!(
                "`{url}` is not a MongoDB URL: expected mongodb:// or mongodb+srv://"
            )));
        }
        if url.hosts().is_empty() {
            return Err(Error::config(format!(
                "`{url}` names no host, for example mongodb://127.0.0.1:27017"
            )));
        }
        let mut options = url.options("mongodb");
        let database = options
            .take::<String>("database")?
            .unwrap_or_else(default_database);
        let collection = options
            .take::<String>("collection")?
            .unwrap_or_else(default_collection);
        // Whatever is left belongs to the driver, which checks it when the backend opens.
        drop(options);
        let config = Self {
            uri: url.expose_without(OUR_OPTIONS),
            database,
            collection,
        };
        config.check_names()?;
        Ok(config)
    }

    /// Refuses database and collection names MongoDB would reject or treat specially.
    pub(crate) fn check_names(&self) -> Result<()> {
        let database = &self.database;
        if database.is_empty()
            || database.len() > 63
            || database
                .chars()
                .any(|c| matches!(c, '/' | '\\' | '.' | ' ' | '"' | '$' | '\0'))
        {
            return Err(Error::config(format!(
                "mongodb option `database={database}` is invalid: 1 to 63 bytes without \
                 / \\ . space \" $ or NUL"
            )));
        }
        let collection = &self.collection;
        if collection.is_empty()
            || collection.contains(['$', '\0'])
            || collection.starts_with("system.")
            || collection.len() + database.len() + 1 > 255
        {
            return Err(Error::config(format!(
                "mongodb option `collection={collection}` is invalid: not empty, without $ or \
                 NUL, not starting with `system.`, and at most 255 bytes with the database name"
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for MongoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = BackendUrl::parse(&self.uri)
            .map(|url| url.to_string())
            .unwrap_or_else(|_| "<unparseable, hidden>".to_owned());
        f.debug_struct("MongoConfig")
            .field("uri", &uri)
            .field("database", &self.database)
            .field("collection", &self.collection)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<MongoConfig> {
        MongoConfig::from_url(&BackendUrl::parse(url)?)
    }

    #[test]
    fn defaults_and_driver_options_pass_through() {
        let config = parse("mongodb://127.0.0.1:27017/?directConnection=true").expect("ok");
        assert_eq!(config.database, "kivigo");
        assert_eq!(config.collection, "kv");
        assert_eq!(
            config.uri,
            "mongodb://127.0.0.1:27017/?directConnection=true"
        );
    }

    #[test]
    fn our_options_are_removed_from_the_driver_uri() {
        let config = parse(
            "mongodb+srv://u:pw@cluster.example.com/admin?database=app&w=majority&collection=cache",
        )
        .expect("ok");
        assert_eq!(config.database, "app");
        assert_eq!(config.collection, "cache");
        assert_eq!(
            config.uri,
            "mongodb+srv://u:pw@cluster.example.com/admin?w=majority"
        );
    }

    #[test]
    fn driver_options_are_passed_as_written() {
        let config = parse(
            "mongodb://h:27017?appName=my%20app&collection=c&readPreferenceTags=dc:ny,rack:1",
        )
        .expect("ok");
        assert_eq!(
            config.uri,
            "mongodb://h:27017?appName=my%20app&readPreferenceTags=dc:ny,rack:1"
        );
        assert_eq!(
            parse("mongodb://h/?database=d").expect("ok").uri,
            "mongodb://h/"
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let config = parse("mongodb://u:hunter2@h:27017/?collection=c").expect("ok");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("h:27017"), "{shown}");
    }

    #[test]
    fn rejects_bad_names_schemes_and_missing_hosts() {
        assert!(parse("mongodb://h/?database=a.b").is_err());
        assert!(parse("mongodb://h/?database=").is_err());
        assert!(parse("mongodb://h/?collection=").is_err());
        assert!(parse("mongodb://h/?collection=system.users").is_err());
        assert!(parse("mongodb://h/?collection=a$b").is_err());
        assert!(parse("mongodb:///?collection=c").is_err());
        assert!(parse("redis://h").is_err());
    }
}
