//! Sorting etcd-client's errors into what kivigo (and the failover loop) can act on.

use etcd_client::Error as EtcdError;
use kivigo_core::{Error, Operation};
use tonic::Code;

pub(crate) const BACKEND: &str = "etcd";

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The endpoint could not be reached and the request was never sent (connection refused,
    /// connect timeout, DNS): safe to send to another endpoint, whatever the request.
    NotSent,
    /// The connection broke while the request was in flight: it may or may not have been applied.
    Lost,
    /// The member answered that it has no leader (we ask with `require_leader`): nothing was
    /// applied; another member may have one.
    NoLeader,
    /// The member is busy or its leader changed during the request (which may have been
    /// applied); the same request may succeed shortly.
    Busy,
    /// The request was refused for good (bad request, too large, permission, ...).
    Permanent,
}

/// Phrases of hyper, tonic and the OS that mean the connection was never made, so the request
/// was not sent.
const NOT_CONNECTED: &[&str] = &[
    "tcp connect error",
    "error trying to connect",
    "connection refused",
    "dns error",
    "failed to lookup address",
];

/// Classifies one failed attempt.
pub(crate) fn classify(err: &EtcdError) -> Failure {
    let status = match err {
        EtcdError::TransportError(_) => return Failure::NotSent,
        EtcdError::IoError(_) => return Failure::Lost,
        EtcdError::GRpcStatus(status) => status,
        _ => return Failure::Permanent,
    };
    let message = status.message();
    if let Some(server) = message.strip_prefix("etcdserver: ") {
        // The member itself answered.
        return if server.contains("no leader") {
            Failure::NoLeader
        } else if server.contains("leader changed")
            || server.contains("request timed out")
            || server.contains("too many requests")
            || server.contains("server stopped")
            || server.contains("not capable")
        {
            Failure::Busy
        } else {
            Failure::Permanent
        };
    }
    match status.code() {
        Code::Unavailable | Code::Unknown | Code::Cancelled | Code::Internal => {
            let text = chain_text(err).to_ascii_lowercase();
            if NOT_CONNECTED.iter().any(|sign| text.contains(sign)) {
                Failure::NotSent
            } else {
                Failure::Lost
            }
        }
        Code::ResourceExhausted | Code::Aborted => Failure::Busy,
        _ => Failure::Permanent,
    }
}

/// The error and all its sources on one line, for classification and messages.
fn chain_text(err: &EtcdError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    if let EtcdError::GRpcStatus(status) = err {
        source = std::error::Error::source(status);
    }
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The kivigo error for a failed attempt at `endpoint`.
pub(crate) fn to_error(err: EtcdError, endpoint: &str, operation: Operation) -> Error {
    match classify(&err) {
        Failure::NotSent => {
            let message = format!("cannot reach {endpoint}: {}", chain_text(&err));
            Error::unavailable(BACKEND, operation, message, err).never_sent()
        }
        Failure::Lost => {
            let message = format!("cannot reach {endpoint}: {}", chain_text(&err));
            Error::unavailable(BACKEND, operation, message, err)
        }
        Failure::NoLeader => Error::unavailable(
            BACKEND,
            operation,
            format!("{endpoint} has no leader (no quorum)"),
            err,
        )
        .never_sent(),
        Failure::Busy => Error::transient(BACKEND, operation, err),
        Failure::Permanent => Error::permanent(BACKEND, operation, err),
    }
}

/// True when a read at a past revision failed because etcd compacted that revision away.
pub(crate) fn is_compacted(err: &Error) -> bool {
    matches!(err, Error::Backend { .. })
        && err
            .to_string()
            .contains("required revision has been compacted")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Status;

    fn status(code: Code, message: &str) -> EtcdError {
        EtcdError::GRpcStatus(Status::new(code, message))
    }

    #[test]
    fn server_answers_are_sorted_by_meaning() {
        assert_eq!(
            classify(&status(Code::Unavailable, "etcdserver: no leader")),
            Failure::NoLeader
        );
        assert_eq!(
            classify(&status(Code::Unavailable, "etcdserver: leader changed")),
            Failure::Busy
        );
        assert_eq!(
            classify(&status(
                Code::InvalidArgument,
                "etcdserver: too many operations in txn request"
            )),
            Failure::Permanent
        );
        assert_eq!(
            classify(&status(
                Code::InvalidArgument,
                "etcdserver: request is too large"
            )),
            Failure::Permanent
        );
    }

    #[test]
    fn transport_failures_are_unreachable() {
        assert_eq!(
            classify(&status(Code::Unavailable, "tcp connect error")),
            Failure::NotSent
        );
        assert_eq!(
            classify(&status(Code::Unknown, "connection reset by peer")),
            Failure::Lost
        );
        let err = to_error(
            status(Code::Unavailable, "tcp connect error"),
            "h:1",
            Operation::Get,
        );
        assert!(err.is_transient());
        assert!(err.to_string().contains("h:1"), "{err}");
        assert!(
            !to_error(status(Code::PermissionDenied, "no"), "h:1", Operation::Get).is_transient()
        );
    }
}
