//! Stops the build with one clear line when `protoc` is missing.
//!
//! etcd-client compiles etcd's protobuf definitions in its own build script and needs the
//! protobuf compiler for it. Cargo does not order this script before etcd-client's (a build
//! script only waits for its own build dependencies), so this check is a backstop: whichever runs
//! first fails with the same message, because in this workspace `.cargo/config.toml` points
//! `PROTOC` at `scripts/protoc`, which prints it too. See docs/src/backends/etcd.md, "Building".

use std::path::PathBuf;
use std::process::Command;

const MESSAGE: &str =
    "kivigo-etcd needs protoc: apt-get install protobuf-compiler libprotobuf-dev (or set PROTOC)";

/// A file that imports a well-known type, as etcd's definitions do.
const PROBE: &str = "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\n";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PROTOC");
    let protoc = std::env::var_os("PROTOC").unwrap_or_else(|| "protoc".into());
    if let Err(problem) = probe(&protoc) {
        eprintln!("error: {MESSAGE}");
        eprintln!("       ({}: {problem})", protoc.to_string_lossy());
        std::process::exit(1);
    }
}

/// Compiles a one-line file importing `descriptor.proto` with `protoc`.
fn probe(protoc: &std::ffi::OsStr) -> Result<(), String> {
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is unset")?);
    std::fs::write(dir.join("probe.proto"), PROBE).map_err(|e| e.to_string())?;
    let output = Command::new(protoc)
        .arg("-I")
        .arg(&dir)
        .arg("--descriptor_set_out")
        .arg(dir.join("probe.bin"))
        .arg("probe.proto")
        .output()
        .map_err(|e| format!("cannot run it: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr.lines().next().unwrap_or("failed").to_owned())
    }
}
