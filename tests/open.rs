//! Choosing a backend by URL or `Config`, and the errors for bad ones.

use kivigo::{Config, Error};

fn config_error(result: kivigo::Result<kivigo::Client>) -> String {
    match result {
        Err(err @ Error::Config(_)) => err.to_string(),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_scheme_lists_what_this_build_opens() {
    let message = config_error(kivigo::open("cassandra://u:hunter2@db:9042").await);
    assert!(message.contains("unknown scheme `cassandra`"), "{message}");
    for scheme in kivigo::schemes() {
        assert!(message.contains(scheme), "{message} should list {scheme}");
    }
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn malformed_urls_are_config_errors() {
    for bad in ["", "memory", "://x", "sled//data"] {
        config_error(kivigo::open(bad).await);
    }
}

#[tokio::test]
async fn unknown_options_are_refused_with_the_known_ones() {
    let message = config_error(kivigo::open("memory://?prefx=x").await);
    assert!(
        message.contains("unknown memory option `prefx`")
            && message.contains("sweep_interval")
            && message.contains("options of every store: prefix"),
        "{message}"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    let message = config_error(
        kivigo::open(&format!("sled://{}?flush=sometimes", dir.path().display())).await,
    );
    assert!(message.contains("flush=sometimes"), "{message}");
}

#[test]
fn schemes_include_memory_and_enabled_backends() {
    let schemes = kivigo::schemes();
    assert!(schemes.contains(&"memory"));
    assert_eq!(schemes.contains(&"sled"), cfg!(feature = "sled"));
}

#[tokio::test]
async fn config_from_json_opens_the_same_store_as_the_url() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let json = serde_json::json!({
        "url": format!("sled://{}", dir.path().display()),
        "options": { "flush": "50ms", "cache_capacity": 1048576 }
    });
    let config: Config = serde_json::from_value(json).expect("valid config");
    let client = config.open().await.expect("open from config");
    client.set("k", &1_u8).await.expect("set");
    assert_eq!(client.get::<u8>("k").await.expect("get"), Some(1));
    client.close().await.expect("close");
}

#[test]
fn config_rejects_unknown_fields_and_duplicate_options() {
    let unknown = serde_json::from_value::<Config>(serde_json::json!({"uri": "memory://"}));
    assert!(unknown.is_err());
    let twice = Config::new("sled://./d?flush=always").with_option("flush", "1s");
    assert!(matches!(twice.to_url(), Err(Error::Config(_))));
}

#[test]
fn config_options_merge_into_the_url() {
    let config = Config::new("redis://127.0.0.1:6379/0").with_option("prefix", "app:");
    assert_eq!(
        config.to_url().expect("url"),
        "redis://127.0.0.1:6379/0?prefix=app%3A"
    );
}

#[test]
fn config_debug_hides_passwords_and_secret_options() {
    let config = Config::new("redis://:hunter2@cache:6379/0").with_option("password", "hunter3");
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("hunter3"),
        "{shown}"
    );
    assert!(shown.contains("cache:6379"), "{shown}");
}

#[tokio::test]
async fn memory_url_takes_no_location() {
    config_error(kivigo::open("memory://somewhere").await);
}

/// `?prefix=` works for every scheme: the keys land under the prefix in the store, and a client
/// opened without it sees them there (same stored keys as a backend-level prefix).
#[cfg(all(feature = "sled", feature = "sqlite"))]
#[tokio::test]
async fn the_prefix_option_serves_every_scheme() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for base in [
        format!("sled://{}", dir.path().join("sled").display()),
        format!("sqlite://{}", dir.path().join("kv.db").display()),
    ] {
        let prefixed = kivigo::open(&format!("{base}?prefix=app:"))
            .await
            .expect("open");
        prefixed.set("k", &1_u8).await.expect("set");
        prefixed
            .batch_set([("b1", &2_u8), ("b2", &3_u8)])
            .await
            .expect("batch_set");
        assert_eq!(
            prefixed.list("").await.expect("list"),
            ["b1", "b2", "k"],
            "{base}"
        );
        prefixed.close().await.expect("close closes the store too");
        let plain = kivigo::open(&base).await.expect("reopen without prefix");
        assert_eq!(
            plain.list("").await.expect("list"),
            ["app:b1", "app:b2", "app:k"],
            "{base}"
        );
        assert_eq!(plain.get::<u8>("app:k").await.expect("get"), Some(1));
        plain.close().await.expect("close");
    }
}

#[tokio::test]
async fn an_empty_or_unusable_prefix_is_a_config_error() {
    config_error(kivigo::open("memory://?prefix=").await);
    let message = config_error(kivigo::open("memory://?prefix=a&prefx=b").await);
    assert!(message.contains("`prefx`"), "{message}");
}
