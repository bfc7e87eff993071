//! The `mcp-orchestration` binary.

/// mimalloc instead of the system allocator where it builds (Linux, macOS, Windows): a request
/// of the server is mostly small, short-lived allocations (BENCHMARKS.md, "MCP server", round 7).
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mcp_orchestration::run(std::env::args_os())
}
