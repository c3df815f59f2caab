//! Asking a server for its item size limit (`stats settings`) and its clock (`stats`), with the
//! text protocol, which the meta-protocol client does not speak.

use std::time::Duration;

use kivigo_core::{Error, Operation, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::error::{BACKEND, from_io};
use crate::expiry;

const OPERATION: Operation = Operation::Open;

/// What a server says about itself when the backend opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerInfo {
    /// Its `item_size_max` (the `-I` option, in bytes), when it reports one (a proxy that
    /// refuses `stats settings` does not).
    pub item_size_max: Option<usize>,
    /// Its Unix time (`stats` `time`) minus ours, in seconds, when it reports one.
    pub clock_offset: Option<i64>,
}

/// Asks `server` for its [`ServerInfo`]. Fails with `Unavailable` or `Timeout` when the server
/// cannot be reached, which makes this the open-time reachability check too.
pub(crate) async fn server_info(
    server: &str,
    connect_timeout: Duration,
    timeout: Duration,
) -> Result<ServerInfo> {
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
    tokio::time::timeout(timeout, ask(stream))
        .await
        .map_err(|_| timed_out())?
        .map_err(|io| from_io(io, OPERATION))
}

async fn ask(stream: TcpStream) -> std::io::Result<ServerInfo> {
    let mut reader = BufReader::new(stream);
    let item_size_max = stat(&mut reader, "stats settings", "item_size_max")
        .await?
        .and_then(|value| value.parse().ok());
    let time = stat(&mut reader, "stats", "time").await?;
    // Read as close as possible to the answer, so the offset is the servers' tick against ours.
    let local = expiry::now();
    let clock_offset = time
        .and_then(|value| value.parse::<i64>().ok())
        .map(|server| server - local);
    Ok(ServerInfo {
        item_size_max,
        clock_offset,
    })
}

/// Sends `command` and returns the value of `STAT <name>` among the lines up to `END`; `None`
/// when the server does not report it or refuses the command.
async fn stat(
    reader: &mut BufReader<TcpStream>,
    command: &str,
    name: &str,
) -> std::io::Result<Option<String>> {
    reader
        .get_mut()
        .write_all(format!("{command}\r\n").as_bytes())
        .await?;
    let wanted = format!("STAT {name} ");
    let mut found = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if text == "END" {
            return Ok(found);
        }
        if ["ERROR", "CLIENT_ERROR", "SERVER_ERROR"]
            .iter()
            .any(|error| text.starts_with(error))
        {
            return Ok(None);
        }
        if let Some(value) = text.strip_prefix(wanted.as_str()) {
            found = Some(value.trim().to_owned());
        }
    }
}
