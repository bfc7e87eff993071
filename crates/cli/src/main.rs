//! The `mcp-orchestration` binary.

fn main() -> std::process::ExitCode {
    mcp_orchestration::run(std::env::args_os())
}
