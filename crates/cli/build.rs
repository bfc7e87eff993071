//! Link flags for the binaries: on Linux with glibc 2.36 or newer (the C library that reads
//! them), relative relocations are packed (`-z pack-relative-relocs`, DT_RELR). A
//! position-independent executable otherwise carries one 24-byte `.rela.dyn` entry per pointer
//! in its read-only data (about 30,000, 700 KB) that the loader reads at every start: pages of
//! resident memory for the life of every `serve` (BENCHMARKS.md, "idle RSS"). Packed, the same
//! relocations take a few KB. Elsewhere (an older glibc, musl, macOS, a cross build whose
//! target libc is unknown here) nothing changes.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    if target == host && target.ends_with("-linux-gnu") && host_glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// `getconf GNU_LIBC_VERSION` prints `glibc 2.36`; anything else (no getconf, another libc)
/// counts as too old.
fn host_glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else { return false };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else { return false };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}
