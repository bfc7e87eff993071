//! The command line of the server: `serve` (stdio or streamable HTTP with the REST API and the
//! dashboard) and `tokens create|list|revoke` (clap definitions only; see `commands/serve.rs`
//! and `commands/tokens.rs`).

use clap::{Args, Subcommand};

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8765)
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Serve HTTP without a bearer token (refused on a non-loopback address)
    #[arg(long, requires = "http")]
    pub no_auth: bool,
    /// Close an HTTP connection whose request headers have not all arrived within SECONDS
    #[arg(long, requires = "http", value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// A project directory whose project-scope client files (.cursor/mcp.json, …) a tool's
    /// `file` argument may name, besides the roots the MCP client declares (repeatable)
    #[arg(long = "project-dir", value_name = "DIR")]
    pub project_dir: Vec<std::path::PathBuf>,
    /// An origin (e.g. https://ci.example.com) whose web pages may call the REST API /v1 from
    /// a browser (CORS); repeatable. Without it no CORS headers are sent
    #[arg(long = "cors-origin", requires = "http", value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
}

/// `tokens create|list|revoke`.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token and print it once (only its SHA-256 is stored)
    Create {
        /// A name for the token (letters, digits, `.`, `_`, `-`), e.g. CI
        #[arg(long)]
        name: String,
        /// `read`: GET endpoints, verify and diff; `write`: every endpoint
        #[arg(long, value_parser = ["read", "write"])]
        scope: String,
    },
    /// List the tokens: name, scope, creation time (never the token)
    List,
    /// Revoke a token by name (a running server stops accepting it at once)
    Revoke {
        /// The token's name
        name: String,
    },
}
