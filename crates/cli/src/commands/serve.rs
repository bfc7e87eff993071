//! `serve` (and no subcommand): the MCP server over stdio, or streamable HTTP with `--http`.
//! The server itself lives in the `mcp-orchestration-server` crate; this only maps the flags
//! and the refusals to the documented exit codes (bad address, `--project-dir` or `--cors-origin`: 2, `--no-auth`
//! off loopback: 10).

use std::path::PathBuf;

use mcp_server::http::{HttpOptions, OptionsError};

use crate::Context;
use crate::args::ServeArgs;
use crate::output::UsageError;

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<u8> {
    // Requests come from a model: only allowlisted variables resolve (`secrets allow-env`).
    let core = ctx.core.clone().with_env_allowlist_enforced();
    let project_dirs = project_dirs(&args.project_dir)?;
    let Some(addr) = &args.http else {
        mcp_server::serve_stdio(core, project_dirs)?;
        return Ok(0);
    };
    let options = HttpOptions {
        addr: addr.clone(),
        no_auth: args.no_auth,
        header_timeout: std::time::Duration::from_secs(args.header_timeout),
        project_dirs,
        cors_origins: args.cors_origin.clone(),
    };
    match mcp_server::http::check_options(&options) {
        Ok(_) => {}
        Err(e @ (OptionsError::BadAddress(_) | OptionsError::BadCorsOrigin(_))) => {
            return Err(UsageError(e.to_string()).into());
        }
        Err(e @ OptionsError::NoAuthOffLoopback(_)) => {
            return Err(orchestrator::Error::Refused { message: e.to_string() }.into());
        }
    }
    mcp_server::serve_http(core, options)?;
    Ok(0)
}

/// `--project-dir` values as absolute, real directories; one that is not a directory is a usage
/// error (exit 2).
fn project_dirs(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    dirs.iter()
        .map(|dir| {
            std::fs::canonicalize(dir).ok().filter(|real| real.is_dir()).ok_or_else(|| {
                UsageError(format!(
                    "--project-dir {}: not a directory; give an existing project directory",
                    dir.display()
                ))
                .into()
            })
        })
        .collect()
}
