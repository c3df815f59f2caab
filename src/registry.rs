//! The table of backends the facade knows, one line per backend, each behind its cargo feature.
//!
//! Adding a backend: add its cargo feature and one `backend!` line to [`BACKENDS`].

use std::sync::Arc;

use futures::future::BoxFuture;
use kivigo_core::{Backend, BackendUrl, Error, MemoryBackend, Result};

/// Opens a backend from a parsed URL.
pub(crate) type OpenFn = fn(BackendUrl) -> BoxFuture<'static, Result<Arc<dyn Backend>>>;

/// One backend: the cargo feature that compiles it, its URL schemes, and its opener when the
/// feature is on.
pub(crate) struct Registration {
    pub feature: &'static str,
    pub schemes: &'static [&'static str],
    pub open: Option<OpenFn>,
}

/// A registration whose opener is `$krate::open_url` when `$feature` is on.
macro_rules! backend {
    ($feature:literal, $krate:ident, [$($scheme:literal),+ $(,)?]) => {
        Registration {
            feature: $feature,
            schemes: &[$($scheme),+],
            open: {
                #[cfg(feature = $feature)]
                {
                    fn open(url: BackendUrl) -> BoxFuture<'static, Result<Arc<dyn Backend>>> {
                        Box::pin(async move {
                            let backend = $krate::open_url(&url).await?;
                            Ok(Arc::new(backend) as Arc<dyn Backend>)
                        })
                    }
                    Some(open as OpenFn)
                }
                #[cfg(not(feature = $feature))]
                {
                    None
                }
            },
        }
    };
}

fn open_memory(url: BackendUrl) -> BoxFuture<'static, Result<Arc<dyn Backend>>> {
    Box::pin(async move { Ok(Arc::new(MemoryBackend::from_url(&url)?) as Arc<dyn Backend>) })
}

/// Every backend kivigo knows, whether or not its feature is on in this build.
pub(crate) const BACKENDS: &[Registration] = &[
    Registration {
        feature: "(always on)",
        schemes: &["memory"],
        open: Some(open_memory),
    },
    backend!("sled", kivigo_sled, ["sled"]),
    backend!("memcached", kivigo_memcached, ["memcached"]),
    backend!("redis", kivigo_redis, ["redis", "rediss", "redis+unix"]),
    backend!("etcd", kivigo_etcd, ["etcd"]),
    backend!("mongodb", kivigo_mongodb, ["mongodb", "mongodb+srv"]),
    backend!("postgres", kivigo_sql, ["postgres", "postgresql"]),
    backend!("mysql", kivigo_sql, ["mysql"]),
    backend!("sqlite", kivigo_sql, ["sqlite"]),
];

/// The opener for `url`'s scheme, or a config error naming what this build can open.
pub(crate) fn opener(registry: &[Registration], url: &BackendUrl) -> Result<OpenFn> {
    let enabled = enabled_schemes(registry).join(", ");
    let Some(registration) = registry.iter().find(|r| r.schemes.contains(&url.scheme())) else {
        return Err(Error::config(format!(
            "unknown scheme `{}` in `{url}`; this build opens: {enabled}",
            url.scheme()
        )));
    };
    registration.open.ok_or_else(|| {
        Error::config(format!(
            "`{}://` needs kivigo's cargo feature `{}`, which is off in this build; \
             this build opens: {enabled}",
            url.scheme(),
            registration.feature
        ))
    })
}

/// The URL schemes whose backends are compiled in.
pub(crate) fn enabled_schemes(registry: &[Registration]) -> Vec<&'static str> {
    registry
        .iter()
        .filter(|r| r.open.is_some())
        .flat_map(|r| r.schemes.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &[Registration] = &[
        Registration {
            feature: "(always on)",
            schemes: &["memory"],
            open: Some(open_memory),
        },
        Registration {
            feature: "redis",
            schemes: &["redis", "rediss"],
            open: None,
        },
    ];

    fn error_for(url: &str) -> String {
        let url = BackendUrl::parse(url).expect("valid URL");
        match opener(FAKE, &url) {
            Ok(_) => panic!("{url} should not open"),
            Err(err) => {
                assert!(matches!(err, Error::Config(_)), "{err:?}");
                err.to_string()
            }
        }
    }

    #[test]
    fn feature_off_names_the_feature_and_what_is_available() {
        let message = error_for("rediss://:hunter2@h:6379");
        assert!(message.contains("cargo feature `redis`"), "{message}");
        assert!(message.contains("this build opens: memory"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn unknown_scheme_lists_enabled_schemes() {
        let message = error_for("foo://u:hunter2@x");
        assert!(message.contains("unknown scheme `foo`"), "{message}");
        assert!(message.contains("this build opens: memory"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
