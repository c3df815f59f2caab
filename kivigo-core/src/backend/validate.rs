//! Input checks that run before any I/O, shared by the client, the layers and every backend.

use std::time::Duration;

use crate::{Capabilities, Error, Operation, Result, WriteOp};

/// Checks one key against the contract (non-empty), the store's key-size limit and the bytes it
/// refuses.
pub fn check_key(caps: &Capabilities, key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_key(key, "keys must not be empty"));
    }
    if let Some(max) = caps.max_key_size
        && key.len() > max
    {
        return Err(Error::invalid_key(
            key,
            format!(
                "key is {} bytes, {} accepts at most {max}",
                key.len(),
                caps.name
            ),
        ));
    }
    if let Some((position, byte)) = caps.key_rules.first_forbidden(key) {
        return Err(Error::invalid_key(
            key,
            format!(
                "{} keys cannot hold {} (byte 0x{byte:02x} at {position})",
                caps.name, caps.key_rules.description
            ),
        ));
    }
    Ok(())
}

/// Checks one value against the store's value-size limit.
pub fn check_value(caps: &Capabilities, key: &str, value: &[u8]) -> Result<()> {
    match caps.max_value_size {
        Some(max) if value.len() > max => Err(Error::ValueTooLarge {
            key: crate::error::shorten(key),
            size: value.len(),
            max,
            backend: caps.name,
        }),
        _ => Ok(()),
    }
}

/// Checks every key of a batch, so that a bad key fails the batch before anything is sent.
pub fn check_keys<K: AsRef<str>>(caps: &Capabilities, keys: &[K]) -> Result<()> {
    keys.iter()
        .try_for_each(|key| check_key(caps, key.as_ref()))
}

/// Checks every entry of a batch write, so that one bad entry fails the batch before anything
/// is written.
pub fn check_entries<K: AsRef<str>, V: AsRef<[u8]>>(
    caps: &Capabilities,
    entries: &[(K, V)],
) -> Result<()> {
    entries.iter().try_for_each(|(key, value)| {
        check_key(caps, key.as_ref())?;
        check_value(caps, key.as_ref(), value.as_ref())
    })
}

/// Checks a TTL given to `operation`: `None` (persistent) is always fine; a TTL needs a backend
/// that can expire entries ([`Error::Unsupported`] otherwise) and must be neither zero nor over
/// the store's maximum ([`Error::InvalidArgument`]).
pub fn check_ttl(caps: &Capabilities, operation: Operation, ttl: Option<Duration>) -> Result<()> {
    let Some(ttl) = ttl else {
        return Ok(());
    };
    let Some(support) = caps.ttl else {
        return Err(Error::unsupported(caps.name, operation));
    };
    if ttl.is_zero() {
        return Err(Error::invalid_argument(
            operation,
            "a TTL must be longer than zero (use delete to remove a key, or no TTL for a \
             persistent one)",
        ));
    }
    if let Some(max) = support.max
        && ttl > max
    {
        return Err(Error::invalid_argument(
            operation,
            format!(
                "a TTL of {ttl:?} is longer than the {} limit of {max:?}",
                caps.name
            ),
        ));
    }
    Ok(())
}

/// Checks a batch write with a TTL: every entry, then the TTL.
pub fn check_batch_set<K: AsRef<str>, V: AsRef<[u8]>>(
    caps: &Capabilities,
    entries: &[(K, V)],
    ttl: Option<Duration>,
) -> Result<()> {
    check_entries(caps, entries)?;
    if entries.is_empty() {
        return Ok(());
    }
    check_ttl(caps, Operation::BatchSet, ttl)
}

/// Checks every operation of a `batch_write`: keys, values and TTLs of the puts.
pub fn check_ops(caps: &Capabilities, ops: &[WriteOp]) -> Result<()> {
    ops.iter().try_for_each(|op| {
        check_key(caps, op.key())?;
        if let WriteOp::Put { key, value, ttl } = op {
            check_value(caps, key, value)?;
            check_ttl(caps, Operation::BatchWrite, *ttl)?;
        }
        Ok(())
    })
}

/// Checks the arguments of a `scan`: the limit must be at least 1.
pub fn check_scan(limit: usize) -> Result<()> {
    if limit == 0 {
        return Err(Error::invalid_argument(
            Operation::Scan,
            "a scan page must hold at least one key (limit 0)",
        ));
    }
    Ok(())
}

/// Checks a capability the backend reports before an operation that needs it, so a layer or a
/// client can refuse early: `supported` false gives [`Error::Unsupported`].
pub fn require(caps: &Capabilities, operation: Operation, supported: bool) -> Result<()> {
    if supported {
        Ok(())
    } else {
        Err(Error::unsupported(caps.name, operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeyRules, TtlSupport};

    const LIMITED: Capabilities = Capabilities::new("test")
        .with_max_key_size(4)
        .with_max_value_size(2)
        .with_key_rules(KeyRules::forbid_range(
            0,
            0x20,
            "spaces or control characters",
        ))
        .with_ttl(TtlSupport::new(Duration::from_secs(1)).with_max(Duration::from_secs(60)));

    #[test]
    fn empty_key_is_invalid() {
        assert!(matches!(
            check_key(&Capabilities::new("t"), ""),
            Err(Error::InvalidKey { .. })
        ));
    }

    #[test]
    fn key_limit_counts_bytes_not_chars() {
        assert!(check_key(&LIMITED, "abcd").is_ok());
        // "é" is two bytes in UTF-8, so three of them are six bytes.
        let err = check_key(&LIMITED, "ééé").expect_err("should fail");
        assert!(err.to_string().contains("6 bytes"), "{err}");
    }

    #[test]
    fn forbidden_bytes_are_named() {
        let err = check_key(&LIMITED, "a b").expect_err("space");
        let message = err.to_string();
        assert!(
            message.contains("spaces or control characters") && message.contains("0x20"),
            "{message}"
        );
    }

    #[test]
    fn value_limit_is_enforced() {
        assert!(check_value(&LIMITED, "k", b"ab").is_ok());
        assert!(matches!(
            check_value(&LIMITED, "k", b"abc"),
            Err(Error::ValueTooLarge {
                size: 3,
                max: 2,
                ..
            })
        ));
    }

    #[test]
    fn one_bad_entry_fails_the_batch() {
        let entries = vec![("ok", b"1".to_vec()), ("", b"2".to_vec())];
        assert!(check_entries(&LIMITED, &entries).is_err());
    }

    #[test]
    fn ttls_must_be_positive_supported_and_within_the_limit() {
        let op = Operation::Set;
        assert!(check_ttl(&LIMITED, op, None).is_ok());
        assert!(check_ttl(&LIMITED, op, Some(Duration::from_millis(1))).is_ok());
        assert!(matches!(
            check_ttl(&LIMITED, op, Some(Duration::ZERO)),
            Err(Error::InvalidArgument {
                operation: Operation::Set,
                ..
            })
        ));
        assert!(matches!(
            check_ttl(&LIMITED, op, Some(Duration::from_secs(61))),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            check_ttl(&Capabilities::new("t"), op, Some(Duration::from_secs(1))),
            Err(Error::Unsupported {
                operation: Operation::Set,
                ..
            })
        ));
        let ops = [WriteOp::put_with_ttl("k", b"v".to_vec(), Duration::ZERO)];
        assert!(check_ops(&LIMITED, &ops).is_err());
        assert!(check_scan(0).is_err() && check_scan(1).is_ok());
    }
}
