//! The flags of the one-list commands (`sync`, `add`, `remove`) and of whose profiles a
//! command works on (a client, or `--all` for the shared ones): clap definitions only.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Profile name (a client without its own profile of that name gets the shared one)
    #[arg(long, short, default_value = "default")]
    pub profile: String,
    /// Print what would change in every file and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking (needed when not on a terminal)
    #[arg(long, short)]
    pub yes: bool,
    /// The project whose project-scope files are synced too (default: found upward from here)
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// First pull this profile (shared and every client's) from the remote, then sync
    #[arg(long, value_name = "REMOTE")]
    pub from: Option<String>,
}

/// Which profile a one-step edit changes: the shared one (default) or one client's.
#[derive(Debug, Args)]
pub struct EditTarget {
    /// Profile name
    #[arg(long, short, default_value = "default")]
    pub profile: String,
    /// Change this client's own profile instead of the shared one (made from what the client
    /// follows now, it then overrides the shared profile for this client)
    #[arg(long, value_name = "CLIENT", conflicts_with = "all")]
    pub client: Option<String>,
    /// Change the shared profile every client follows (the default)
    #[arg(long)]
    pub all: bool,
    /// Then deploy the new version to every client (as `sync`)
    #[arg(long)]
    pub sync: bool,
    /// With --sync: write without asking
    #[arg(long, short, requires = "sync")]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The server's name in the profile (a catalog id, unless --url or a command is given)
    pub name: String,
    #[command(flatten)]
    pub target: EditTarget,
    /// The catalog entry to add under NAME (default: NAME itself)
    #[arg(long, value_name = "CATALOG_ID", conflicts_with_all = ["url", "command"])]
    pub from: Option<String>,
    /// A catalog parameter, NAME=VALUE (repeatable)
    #[arg(long = "param", value_name = "NAME=VALUE", conflicts_with_all = ["url", "command"])]
    pub params: Vec<String>,
    /// An environment value, NAME=VALUE (repeatable); secret-looking values go to the secret
    /// store and the profile gets ${secret:NAME}
    #[arg(long = "env", value_name = "NAME=VALUE", conflicts_with = "url")]
    pub env: Vec<String>,
    /// A remote server at this URL instead of a catalog entry
    #[arg(long, conflicts_with = "command")]
    pub url: Option<String>,
    /// With --url: the transport, http (streamable HTTP) or sse
    #[arg(long, default_value = "http", value_parser = ["http", "sse"], requires = "url")]
    pub transport: String,
    /// With --url: a request header, NAME=VALUE (repeatable); use ${secret:NAME} for tokens
    #[arg(long = "header", value_name = "NAME=VALUE", requires = "url")]
    pub headers: Vec<String>,
    /// A custom stdio server: the command and its arguments, after `--`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The server's name in the profile
    pub name: String,
    #[command(flatten)]
    pub target: EditTarget,
}

/// Whose profiles: one client's, or (`--all`) the shared ones every client follows.
#[derive(Debug, Args)]
pub struct SubjectArgs {
    /// Client id (see `mcp-orchestration clients`)
    #[arg(required_unless_present = "all")]
    pub client: Option<String>,
    /// The shared profiles every client follows (unless it has its own of that name), instead
    /// of one client's
    #[arg(long, conflicts_with = "client")]
    pub all: bool,
}

impl SubjectArgs {
    /// The subject id the core takes: the client, or `_shared`.
    pub fn id(&self) -> &str {
        self.client.as_deref().unwrap_or(orchestrator::ids::SHARED)
    }
}
