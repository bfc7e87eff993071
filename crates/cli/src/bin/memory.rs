//! `mcp-orchestration-memory`: the original tool's name for `mcp-orchestration events`.

fn main() -> std::process::ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_else(|| "mcp-orchestration-memory".into());
    mcp_orchestration::run(std::iter::once(program).chain(std::iter::once("events".into())).chain(args))
}
