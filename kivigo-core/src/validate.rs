//! Input checks that run before any I/O, shared by the client and every backend.

use crate::{Capabilities, Error, Result};

/// Checks one key against the contract (non-empty) and the store's key-size limit.
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
    Ok(())
}

/// Checks one value against the store's value-size limit.
pub fn check_value(caps: &Capabilities, key: &str, value: &[u8]) -> Result<()> {
    match caps.max_value_size {
        Some(max) if value.len() > max => Err(Error::ValueTooLarge {
            key: key.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITED: Capabilities = Capabilities::new("test")
        .with_max_key_size(4)
        .with_max_value_size(2);

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
}
