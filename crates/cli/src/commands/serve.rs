//! `serve` (and no subcommand): the MCP server over stdio, or streamable HTTP with `--http`.

use crate::Context;
use crate::args::ServeArgs;

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<u8> {
    let _ = (ctx, args);
    anyhow::bail!("the MCP server is not built yet")
}
