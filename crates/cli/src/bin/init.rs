//! `mcp-orchestration-init`: the original tool's name for `mcp-orchestration init-configs`.

fn main() -> std::process::ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_else(|| "mcp-orchestration-init".into());
    mcp_orchestration::run(std::iter::once(program).chain(std::iter::once("init-configs".into())).chain(args))
}
