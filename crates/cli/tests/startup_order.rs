//! `crates/cli/startup-order.ld`, the linker script `build.rs` passes to optimized builds
//! (BENCHMARKS.md, idle RSS), linked for real: a function it names is gathered into the
//! `.text.startup` section before `.text`, and the names a program does not have (a stale
//! script) match nothing: it still links and runs. A small program is compiled with the same
//! `rustc` and default linker as the workspace and inspected with `readelf`.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("startup-order.ld")
}

/// Compiles `source` as a binary with the script and returns its path.
fn link_with_script(dir: &Path, source: &str) -> PathBuf {
    let src = dir.join("main.rs");
    std::fs::write(&src, source).expect("write the test program");
    let out = dir.join("prog");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let status = Command::new(rustc)
        .args(["--edition", "2021", "-C", "opt-level=1", "-o"])
        .arg(&out)
        .arg(format!("-Clink-arg=-Wl,-T,{}", script().display()))
        .arg(&src)
        .status()
        .expect("run rustc");
    assert!(status.success(), "rustc with startup-order.ld failed");
    out
}

fn readelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("readelf").args(args).arg(file).output().expect("run readelf (binutils)");
    assert!(out.status.success(), "readelf {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The address range of section `name` (`readelf -SW`).
fn section_range(elf: &Path, name: &str) -> Option<(u64, u64)> {
    let sections = readelf(&["-SW"], elf);
    sections.lines().find_map(|line| {
        let line = line.split_once(']')?.1;
        let f: Vec<&str> = line.split_whitespace().collect();
        (f.first() == Some(&name)).then(|| {
            let addr = u64::from_str_radix(f[2], 16).expect("section address");
            let size = u64::from_str_radix(f[4], 16).expect("section size");
            (addr, addr + size)
        })
    })
}

/// The address of symbol `name` (`readelf -sW`).
fn symbol_address(elf: &Path, name: &str) -> u64 {
    let symbols = readelf(&["-sW"], elf);
    let line = symbols
        .lines()
        .find(|l| l.split_whitespace().nth(7) == Some(name))
        .unwrap_or_else(|| panic!("{name} not in the symbol table"));
    u64::from_str_radix(line.split_whitespace().nth(1).expect("value"), 16).expect("address")
}

#[test]
fn a_function_the_script_names_is_laid_out_in_the_startup_section_before_text() {
    // The entry for the binary's `main` has its hash as a wildcard: any hash matches.
    let text = std::fs::read_to_string(script()).expect("read startup-order.ld");
    let named = "_ZN17mcp_orchestration4main17h0123456789abcdefE";
    assert!(
        text.contains("*(.text._ZN17mcp_orchestration4main17h????????????????E "),
        "startup-order.ld no longer names the binary's main: regenerate it with bench/startup-order.sh"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let program = format!(
        "#[unsafe(export_name = \"{named}\")]\n#[inline(never)]\npub extern \"C\" fn named() -> u32 {{ \
         std::hint::black_box(7) }}\n#[inline(never)]\npub extern \"C\" fn other() -> u32 {{ \
         std::hint::black_box(5) }}\nfn main() {{ println!(\"{{}}\", named() + other()); }}\n"
    );
    let elf = link_with_script(dir.path(), &program);
    let run = Command::new(&elf).output().expect("run the linked program");
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "12");
    let (start, end) = section_range(&elf, ".text.startup").expect("a .text.startup section");
    let (text_start, _) = section_range(&elf, ".text").expect("a .text section");
    assert!(end <= text_start, ".text.startup ({start:#x}..{end:#x}) is not before .text ({text_start:#x})");
    let addr = symbol_address(&elf, named);
    assert!((start..end).contains(&addr), "{named} at {addr:#x} is outside .text.startup ({start:#x}..{end:#x})");
}

#[test]
fn names_that_match_nothing_in_a_program_are_ignored_and_it_links_and_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let elf = link_with_script(dir.path(), "fn main() { println!(\"stale script, same program\"); }\n");
    let run = Command::new(&elf).output().expect("run the linked program");
    assert!(run.status.success());
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "stale script, same program");
    assert!(section_range(&elf, ".text").is_some(), "the program lost its .text section");
}
