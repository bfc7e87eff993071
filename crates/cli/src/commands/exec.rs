//! `exec -- COMMAND`: runs a program with every stored secret in its environment, so clients
//! that expand `${NAME}` / `${env:NAME}` from their environment (Claude Code, Gemini CLI,
//! Cursor: deploy writes the reference, never the value) can be started with them. Nothing is
//! printed; the exit code is the program's.

use anyhow::Context as _;

use crate::Context;
use crate::args::ExecArgs;

pub fn run(ctx: &Context, args: &ExecArgs) -> anyhow::Result<u8> {
    let secrets = ctx.core.secret_environment()?;
    let (program, rest) = args.command.split_first().context("no command to run")?;
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for (name, value) in &secrets {
        command.env(name, value.expose());
    }
    let status = command.status().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::Error::from(orchestrator::Error::Validation {
                pointer: String::new(),
                message: format!("{program}: command not found on PATH"),
            })
        } else {
            anyhow::Error::from(e).context(format!("could not start {program}"))
        }
    })?;
    // A program killed by a signal has no code; 1 says it failed.
    Ok(status.code().map_or(1, |code| u8::try_from(code).unwrap_or(1)))
}
