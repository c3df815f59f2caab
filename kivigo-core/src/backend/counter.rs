//! Counters stored as the decimal ASCII text of an `i64`, the format `increment` reads and writes.

use crate::{Error, Result};

/// Reads a counter. The text must be exactly what [`format`] writes: an optional `-` and digits
/// without leading zeros (`0`, `42`, `-7`), the form Redis INCRBY accepts. Anything else — `+1`,
/// `007`, ` 1`, `1.0`, empty — is [`Error::NotANumber`].
pub fn parse(key: &str, bytes: &[u8]) -> Result<i64> {
    let not_a_number = || Error::NotANumber {
        key: crate::error::shorten(key),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| not_a_number())?;
    let value: i64 = text.parse().map_err(|_| not_a_number())?;
    // `str::parse` also accepts `+1` and `007`; only the canonical form is a counter.
    if itoa(value) != text {
        return Err(not_a_number());
    }
    Ok(value)
}

/// The bytes of a counter.
pub fn format(value: i64) -> Vec<u8> {
    itoa(value).into_bytes()
}

/// `current + delta`, or [`Error::Overflow`] when it leaves the range of `i64`.
pub fn add(key: &str, current: i64, delta: i64) -> Result<i64> {
    current.checked_add(delta).ok_or_else(|| Error::Overflow {
        key: crate::error::shorten(key),
        delta,
    })
}

/// The next value of the counter whose stored bytes are `current` (`None`: missing, counts as
/// 0), with its bytes: what a compare-and-swap loop writes.
pub fn next(key: &str, current: Option<&[u8]>, delta: i64) -> Result<(i64, Vec<u8>)> {
    let now = match current {
        Some(bytes) => parse(key, bytes)?,
        None => 0,
    };
    let value = add(key, now, delta)?;
    Ok((value, format(value)))
}

fn itoa(value: i64) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_decimal_text_is_a_counter() {
        for (text, value) in [("0", 0), ("42", 42), ("-7", -7)] {
            assert_eq!(parse("k", text.as_bytes()).ok(), Some(value));
        }
        assert_eq!(
            parse("k", i64::MIN.to_string().as_bytes()).ok(),
            Some(i64::MIN)
        );
        assert_eq!(format(-12), b"-12");
    }

    #[test]
    fn anything_else_is_not_a_number() {
        for bad in [
            &b""[..],
            b"+1",
            b"007",
            b"-0",
            b" 1",
            b"1 ",
            b"1.0",
            b"1e3",
            b"\"1\"",
            b"9223372036854775808",
            b"\xff",
        ] {
            assert!(
                matches!(parse("k", bad), Err(Error::NotANumber { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn overflow_is_its_own_error() {
        assert!(matches!(
            add("k", i64::MAX, 1),
            Err(Error::Overflow { delta: 1, .. })
        ));
        assert!(matches!(
            add("k", i64::MIN, -1),
            Err(Error::Overflow { .. })
        ));
        assert_eq!(next("k", None, -5).ok(), Some((-5, b"-5".to_vec())));
        assert_eq!(next("k", Some(b"10"), 5).ok(), Some((15, b"15".to_vec())));
    }
}
