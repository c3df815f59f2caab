//! Asking a server for its item size limit with the text protocol's `stats settings`, which the
//! meta-protocol client does not speak.

use std::time::Duration;

use kivigo_core::{Error, Operation, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::error::{BACKEND, from_io};

const OPERATION: Operation = Operation::Open;

/// The server's `item_size_max` (its `-I` option, in bytes), or `None` when it does not report
/// one (a proxy that refuses `stats settings`, for instance). Fails with `Unavailable` or
/// `Timeout` when the server cannot be reached, which makes this the open-time reachability
/// check too.
pub(crate) async fn item_size_max(
    server: &str,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<Option<usize>> {
    let timed_out = || Error::timeout(BACKEND, OPERATION).never_sent();
    let stream = tokio::time::timeout(connect_timeout, TcpStream::connect(server))
        .await
        .map_err(|_| timed_out())?
        .map_err(|io| {
            Error::unavailable(
                BACKEND,
                OPERATION,
                format!("could not connect to {server}"),
                io,
            )
            .never_sent()
        })?;
    tokio::time::timeout(timeout, read_limit(stream))
        .await
        .map_err(|_| timed_out())?
        .map_err(|io| from_io(io, OPERATION))
}

async fn read_limit(stream: TcpStream) -> std::io::Result<Option<usize>> {
    let mut reader = BufReader::new(stream);
    reader.get_mut().write_all(b"stats settings\r\n").await?;
    let mut limit = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if text == "END" {
            return Ok(limit);
        }
        if ["ERROR", "CLIENT_ERROR", "SERVER_ERROR"]
            .iter()
            .any(|error| text.starts_with(error))
        {
            return Ok(None);
        }
        if let Some(value) = text.strip_prefix("STAT item_size_max ") {
            limit = value.trim().parse().ok();
        }
    }
}
