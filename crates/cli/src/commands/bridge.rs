//! `bridge URL [--transport http|sse] [--header NAME=VALUE]…`: a stdio MCP server forwarding to
//! a remote streamable-HTTP or HTTP+SSE server (`mcp_server::bridge`). This resolves the header
//! values' references with the core (`Orchestrator::resolve_values`, the resolution client
//! files get) and maps the refusals to the documented exit codes: a bad URL or header 2, an
//! unresolvable reference 6, an unreachable or refusing remote (or, with `--transport sse`, a
//! URL that is not an SSE endpoint) 1. Nothing is printed on stdout but the protocol; no
//! message names a header's value.

use std::time::Duration;

use mcp_server::bridge::{self, BridgeError, BridgeOptions, RemoteTransport};

use crate::Context;
use crate::args::{BridgeArgs, BridgeTransport};
use crate::output::UsageError;

pub fn run(ctx: &Context, args: &BridgeArgs) -> anyhow::Result<u8> {
    // The URL first: a bad one is refused before any secret is read.
    bridge::check_url(&args.url).map_err(usage)?;
    for (i, (name, _)) in args.headers.iter().enumerate() {
        if args.headers[..i].iter().any(|(earlier, _)| earlier.eq_ignore_ascii_case(name)) {
            return Err(UsageError(format!("--header {name} is given twice; give each header once")).into());
        }
    }
    let headers = ctx.core.resolve_values("headers", &args.headers).map_err(|e| {
        let named = match &e {
            orchestrator::Error::Validation { pointer, .. } => pointer.strip_prefix("/headers/").map(str::to_owned),
            _ => None,
        };
        let what = named.map_or_else(|| "a --header value".to_owned(), |name| format!("--header {name}"));
        anyhow::Error::from(e).context(format!("{what}: a reference in it cannot be resolved"))
    })?;
    let transport = match args.transport {
        BridgeTransport::Http => RemoteTransport::Http,
        BridgeTransport::Sse => RemoteTransport::Sse,
    };
    let options = BridgeOptions {
        url: args.url.clone(),
        transport,
        headers,
        connect_timeout: Duration::from_secs(args.connect_timeout),
    };
    bridge::run(options).map_err(usage)?;
    Ok(0)
}

/// A usage refusal as exit 2; any other failure as exit 1 with its message.
fn usage(error: BridgeError) -> anyhow::Error {
    match error {
        BridgeError::Usage(message) => UsageError(message).into(),
        other => anyhow::Error::from(other),
    }
}
