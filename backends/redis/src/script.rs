//! The compare-and-swap script: one Lua script that Redis runs atomically, comparing bytes
//! exactly, for every form of `compare_and_swap`.

use std::sync::atomic::{AtomicBool, Ordering};

use redis::{Cmd, Script};

/// The script. `KEYS[1]` is the key; `ARGV[1]` says what is expected (`v`: the value in
/// `ARGV[2]`, `a`: no key at all) and what to do on a match (`s`: set `ARGV[3]`, `d`: delete),
/// as in `vs`, `vd`, `as`, `ad`. Lua strings compare byte for byte (length included, binary
/// safe), and `GET` of a missing key is `false`, never equal to a string, so an empty value and
/// an absent key differ. The new value is written with a plain SET: persistent, as the contract
/// says. Returns 1 when it swapped, 0 when the current value did not match.
pub(crate) const SOURCE: &str = r"
local current = redis.call('GET', KEYS[1])
local mode = ARGV[1]
if string.sub(mode, 1, 1) == 'v' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if string.sub(mode, 2, 2) == 's' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('DEL', KEYS[1])
end
return 1
";

/// The script, its SHA1, and whether this connection's server has been given it.
#[derive(Debug)]
pub(crate) struct CasScript {
    script: Script,
    loaded: AtomicBool,
}

impl CasScript {
    pub(crate) fn new() -> Self {
        Self {
            script: Script::new(SOURCE),
            loaded: AtomicBool::new(false),
        }
    }

    /// The script's SHA1, as EVALSHA names it.
    pub(crate) fn sha(&self) -> &str {
        self.script.get_hash()
    }

    /// Whether SCRIPT LOAD has already been sent (the server may have forgotten it since: a
    /// restart, SCRIPT FLUSH, a fail-over; then EVALSHA says NOSCRIPT and EVAL follows).
    pub(crate) fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Relaxed)
    }

    pub(crate) fn mark_loaded(&self) {
        self.loaded.store(true, Ordering::Relaxed);
    }

    /// `SCRIPT LOAD <source>`.
    pub(crate) fn load(&self) -> Cmd {
        let mut command = redis::cmd("SCRIPT");
        command.arg("LOAD").arg(SOURCE);
        command
    }

    /// `EVALSHA <sha> 1 <key> <mode> <expected> <new>`.
    pub(crate) fn evalsha(&self, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Cmd {
        let mut command = redis::cmd("EVALSHA");
        command.arg(self.sha());
        arguments(&mut command, key, expected, new);
        command
    }

    /// `EVAL <source> 1 <key> <mode> <expected> <new>`: the same call when the server does not
    /// know the SHA (it caches the script again).
    pub(crate) fn eval(&self, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Cmd {
        let mut command = redis::cmd("EVAL");
        command.arg(SOURCE);
        arguments(&mut command, key, expected, new);
        command
    }
}

fn arguments(command: &mut Cmd, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) {
    let mode = match (expected.is_some(), new.is_some()) {
        (true, true) => "vs",
        (true, false) => "vd",
        (false, true) => "as",
        (false, false) => "ad",
    };
    command
        .arg(1)
        .arg(key)
        .arg(mode)
        .arg(expected.unwrap_or_default())
        .arg(new.unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redis_page_shows_the_script_that_runs() {
        let page = include_str!("../../../docs/src/backends/redis.md");
        assert!(
            page.contains(SOURCE.trim()),
            "docs/src/backends/redis.md shows another script"
        );
    }

    #[test]
    fn the_modes_name_what_is_expected_and_what_is_written() {
        let script = CasScript::new();
        assert_eq!(script.sha().len(), 40);
        let packed =
            |command: Cmd| String::from_utf8_lossy(&command.get_packed_command()).into_owned();
        let swap = packed(script.evalsha("k", Some(b"old"), Some(b"new")));
        assert!(
            swap.contains("EVALSHA") && swap.contains("\r\nvs\r\n"),
            "{swap}"
        );
        assert!(swap.contains("$3\r\nold\r\n$3\r\nnew\r\n"), "{swap}");
        let delete = packed(script.eval("k", Some(b""), None));
        assert!(delete.contains("\r\nvd\r\n$0\r\n\r\n$0\r\n"), "{delete}");
        assert!(packed(script.eval("k", None, Some(b"x"))).contains("\r\nas\r\n"));
        assert!(packed(script.evalsha("k", None, None)).contains("\r\nad\r\n"));
    }
}
