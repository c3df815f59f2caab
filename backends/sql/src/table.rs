//! Table names: checked as plain identifiers before they reach any SQL text.

use kivigo_core::{Error, Result};

/// The table kivigo uses when the configuration names none.
pub const DEFAULT_TABLE: &str = "kivigo_kv";

/// Longest accepted table name: PostgreSQL truncates identifiers after 63 bytes.
const MAX_LEN: usize = 63;

/// Accepts `[A-Za-z_][A-Za-z0-9_]{0,62}` and nothing else, so that a table name can be put in a
/// statement (quoted as well) without any chance of changing what the statement does.
pub fn check_table_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if first_ok && rest_ok && name.len() <= MAX_LEN {
        Ok(())
    } else {
        Err(Error::config(format!(
            "table name {name:?} is not a plain identifier: use 1 to {MAX_LEN} ASCII letters, \
             digits and underscores, not starting with a digit"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identifiers_pass() {
        for name in ["kivigo_kv", "_t", "T1", &"a".repeat(63)] {
            assert!(check_table_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn anything_else_is_a_config_error() {
        for name in [
            "",
            "1kv",
            "kv; DROP TABLE x",
            "kv\"",
            "kv`",
            "public.kv",
            "k v",
            "ключ",
            "kv--",
            &"a".repeat(64),
        ] {
            assert!(
                matches!(check_table_name(name), Err(Error::Config(_))),
                "{name:?} should be refused"
            );
        }
    }
}
