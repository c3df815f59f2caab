//! Mapping sqlx's errors onto kivigo's.

use kivigo_core::{Error, Operation};

use crate::config::Engine;

/// Classifies a sqlx error: no connection is `Unavailable`, lock conflicts and dropped
/// connections are transient, everything else (syntax, constraint, decoding...) is permanent.
pub(crate) fn from_sqlx(engine: Engine, operation: Operation, err: sqlx::Error) -> Error {
    let backend = engine.name();
    match err {
        sqlx::Error::PoolTimedOut => Error::Unavailable {
            backend,
            operation,
            never_sent: true,
            message: "no connection within acquire_timeout (is the server up? is the pool too \
                      small for the load?)"
                .to_owned(),
            source: Some(Box::new(err)),
        },
        sqlx::Error::PoolClosed => Error::Closed { backend },
        sqlx::Error::Io(io) => Error::unavailable(backend, operation, "connection failed", io),
        sqlx::Error::Tls(_) => Error::unavailable(backend, operation, "TLS failed", err),
        sqlx::Error::WorkerCrashed => Error::transient(backend, operation, err),
        sqlx::Error::Database(ref db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            match classify(engine, &code) {
                Class::Unavailable => {
                    Error::unavailable(backend, operation, "the server went away", err)
                }
                Class::Transient => Error::transient(backend, operation, err),
                Class::Permanent => Error::permanent(backend, operation, err),
            }
        }
        other => Error::permanent(backend, operation, other),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Class {
    Unavailable,
    Transient,
    Permanent,
}

/// `code` is the SQLSTATE on PostgreSQL and MySQL, the extended result code on SQLite.
fn classify(engine: Engine, code: &str) -> Class {
    match engine {
        Engine::Sqlite => {
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
            match code.parse::<i32>().map(|c| c & 0xff) {
                Ok(5 | 6) => Class::Transient,
                _ => Class::Permanent,
            }
        }
        Engine::Postgres | Engine::MySql => {
            if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03") {
                // Connection exceptions; PostgreSQL shutting down or starting.
                Class::Unavailable
            } else if matches!(code, "40001" | "40P01" | "55P03" | "HYT00")
                || code.starts_with("53")
            {
                // Serialization failure, deadlock, lock not available, time-out, out of
                // resources: the same call may work later.
                Class::Transient
            } else {
                Class::Permanent
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        assert_eq!(classify(Engine::Postgres, "08006"), Class::Unavailable);
        assert_eq!(classify(Engine::Postgres, "40P01"), Class::Transient);
        assert_eq!(classify(Engine::MySql, "40001"), Class::Transient);
        assert_eq!(classify(Engine::Postgres, "42P01"), Class::Permanent);
        assert_eq!(classify(Engine::Sqlite, "517"), Class::Transient);
        assert_eq!(classify(Engine::Sqlite, "19"), Class::Permanent);
    }

    #[test]
    fn pool_time_out_is_unavailable_and_transient() {
        let err = from_sqlx(Engine::MySql, Operation::Get, sqlx::Error::PoolTimedOut);
        assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
        assert!(err.is_transient());
    }
}
