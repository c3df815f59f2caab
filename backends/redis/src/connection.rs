//! Reaching the server: the redis crate's connection settings and the reconnecting manager.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};

use kivigo_core::{Error, Operation, Result};

use crate::config::{RedisAddress, RedisConfig};
use crate::error::{BACKEND, from_redis};
use crate::limits::DEADLINE_MARGIN;

/// Connects to the server of `config`: a [`ConnectionManager`] that reconnects by itself, and
/// the longest one call may take (connect and response timeouts plus a margin).
pub(crate) async fn connect(
    config: &RedisConfig,
) -> Result<(ConnectionManager, std::time::Duration)> {
    let info = connection_info(config)?;
    let client = redis::Client::open(info)
        .map_err(|err| Error::config(format!("redis connection settings are invalid: {err}")))?;
    let manager_config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(config.connect_timeout))
        .set_response_timeout(Some(config.response_timeout))
        // One attempt per reconnection: a call never waits through a series of backoffs,
        // and the next call starts a fresh attempt.
        .set_number_of_retries(0);
    let budget = config.connect_timeout + config.response_timeout + DEADLINE_MARGIN;
    // Any time-out while opening means no connection could be made: Unavailable.
    let no_connection = || Error::Unavailable {
        backend: BACKEND,
        operation: Operation::Open,
        never_sent: true,
        message: format!(
            "no connection to {} within {:?}",
            config.address, config.connect_timeout
        ),
        source: None,
    };
    let manager = tokio::time::timeout(
        budget,
        ConnectionManager::new_with_config(client, manager_config),
    )
    .await
    .map_err(|_| no_connection())?
    .map_err(|err| match from_redis(err, Operation::Open) {
        Error::Timeout { .. } => no_connection(),
        other => other,
    })?;
    Ok((manager, budget))
}

/// The redis crate's connection settings for `config`.
fn connection_info(config: &RedisConfig) -> Result<redis::ConnectionInfo> {
    let address = match &config.address {
        RedisAddress::Tcp { host, port } => ConnectionAddr::Tcp(host.clone(), *port),
        RedisAddress::Unix { path } => ConnectionAddr::Unix(path.clone()),
        RedisAddress::Tls {
            host,
            port,
            insecure,
        } => tls_address(host, *port, *insecure)?,
    };
    let mut settings = RedisConnectionInfo::default().set_db(config.db);
    if let Some(username) = &config.username {
        settings = settings.set_username(username);
    }
    if let Some(password) = &config.password {
        settings = settings.set_password(password);
    }
    let info = address
        .into_connection_info()
        .map_err(|err| Error::config(format!("redis address is invalid: {err}")))?;
    Ok(info.set_redis_settings(settings))
}

#[cfg(feature = "tls")]
fn tls_address(host: &str, port: u16, insecure: bool) -> Result<ConnectionAddr> {
    // The redis crate builds its rustls config from the process-wide crypto provider. Install
    // ring unless the application already chose one (then this returns an error we ignore).
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(ConnectionAddr::TcpTls {
        host: host.to_owned(),
        port,
        insecure,
        tls_params: None,
    })
}

#[cfg(not(feature = "tls"))]
fn tls_address(_host: &str, _port: u16, _insecure: bool) -> Result<ConnectionAddr> {
    Err(Error::config(
        "rediss:// (TLS) needs the cargo feature `tls` of kivigo-redis (`redis-tls` of kivigo), \
         which is off in this build",
    ))
}

#[cfg(test)]
mod tests {
    #[cfg(not(feature = "tls"))]
    #[tokio::test]
    async fn tls_without_the_feature_is_a_config_error_naming_it() {
        let url = kivigo_core::BackendUrl::parse("rediss://127.0.0.1:1/0").expect("url");
        match crate::open_url(&url).await {
            Err(kivigo_core::Error::Config(message)) => {
                assert!(message.contains("redis-tls"), "{message}")
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }
}
