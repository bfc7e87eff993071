//! The command line: clap definitions only. Each subcommand's flags resolve into the
//! arguments of one module under `commands/`.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

pub use crate::args_lock::{AuditArgs, LockArgs};
pub use crate::args_one_list::{AddArgs, EditTarget, RemoveArgs, SubjectArgs, SyncArgs};
pub use crate::args_policy::PolicyCommand;
pub use crate::args_remote::{RemoteCommand, TransferArgs};
pub use crate::args_serve::{ServeArgs, TokensCommand};

const EXIT_CODES: &str = "Exit codes:
  0 success                 1 other failure           2 usage error
  3 not found               4 integrity               5 differences found (--exit-code/--check)
  6 validation failed       7 conflict (lock, file changed)
  8 signature or trust      9 rollback or expired     10 refused as unsafe";

/// Keeps the MCP server lists of every MCP client on this machine signed, verified and in sync.
#[derive(Debug, Parser)]
#[command(name = "mcp-orchestration", version, after_long_help = EXIT_CODES, after_help = EXIT_CODES)]
pub struct Cli {
    /// Home directory (default: $MCP_ORCHESTRATION_HOME, else ~/.mcp-orchestration)
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// Seconds to wait for the home lock before failing with exit 7
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    pub lock_timeout: u64,

    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Print no notes, hints or progress on stderr (errors and warnings still show)
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More log lines on stderr: -v info, -vv debug, -vvv trace
    #[arg(long, short, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--color`: when output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    /// Always, even into a pipe or file
    Always,
    /// Never
    Never,
}

#[derive(Debug, Subcommand)]
// Each subcommand's arguments are built only when that subcommand is (clap's `defer`): `serve`
// does not build the other forty-odd, whose code would otherwise be paged in at every start.
#[command(defer = true)]
pub enum Command {
    /// Create the home, the key pair and a signed `default` profile for every client
    #[command(
        after_help = "Example:\n  mcp-orchestration init-configs\n  mcp-orchestration init-configs --force   # re-seed as new versions"
    )]
    InitConfigs(InitArgs),
    /// List the supported clients
    #[command(after_help = "Example:\n  mcp-orchestration clients --json")]
    Clients,
    /// List a client's profiles and their head versions
    #[command(
        after_help = "Example:\n  mcp-orchestration profiles claude-desktop\n  mcp-orchestration profiles cursor --limit 50 --cursor CURSOR   # the next page"
    )]
    Profiles(ProfilesArgs),
    /// Print a profile's verified servers document (or, with --json, the whole artifact)
    #[command(after_help = "Example:\n  mcp-orchestration get cursor --profile dev --json")]
    Get(ProfileArgs),
    /// Sign a servers document as the next version of a profile
    #[command(
        after_help = "Example:\n  mcp-orchestration publish cursor --profile dev --file servers.json --note \"add github\" --expires-in 30d"
    )]
    Publish(PublishArgs),
    /// Verify stored artifacts: one id, or every version of every profile
    #[command(after_help = "Example:\n  mcp-orchestration verify --all\n  mcp-orchestration verify sha256:4f2a…")]
    Verify(VerifyArgs),
    /// List a profile's versions, verified, oldest first
    #[command(after_help = "Example:\n  mcp-orchestration history claude-desktop --profile default --limit 20")]
    History(HistoryArgs),
    /// Query the event log
    #[command(
        subcommand,
        visible_alias = "memory",
        after_help = "Example:\n  mcp-orchestration events query --type orchestrator --since 1h --status failure"
    )]
    Events(EventsCommand),
    /// Show, export, trust, untrust and rotate signing keys
    #[command(
        subcommand,
        after_help = "Example:\n  mcp-orchestration keys export > alice.pub\n  mcp-orchestration keys trust alice.pub"
    )]
    Keys(KeysCommand),
    /// Read a client's live config file into a draft (or, with --publish, the next version)
    #[command(
        after_help = "Example:\n  mcp-orchestration import cursor --profile mine --publish\n  mcp-orchestration import vscode --file .vscode/mcp.json --profile team"
    )]
    Import(ImportArgs),
    /// Print the bytes a client file would hold with a profile merged in (writes nothing)
    #[command(
        after_help = "Example:\n  mcp-orchestration render cursor --profile dev --into ~/.cursor/mcp.json\n  mcp-orchestration render vscode --scope project"
    )]
    Render(RenderArgs),
    /// Write a profile's verified servers into a client's config file, safely
    #[command(
        after_help = "Example:\n  mcp-orchestration deploy cursor --profile dev --dry-run\n  mcp-orchestration deploy claude-desktop\n  mcp-orchestration deploy claude-code --scope local --project ~/src/app"
    )]
    Deploy(DeployArgs),
    /// Restore a client file's bytes from before its last deploy (or as a deployment left it),
    /// or every file a sync wrote
    #[command(
        after_help = "Example:\n  mcp-orchestration rollback cursor\n  mcp-orchestration rollback cursor --to 20261125T120000000000Z-1a2b3c4d\n  mcp-orchestration rollback --sync sync-20261126T101500Z-1a2b3c4d"
    )]
    Rollback(RollbackArgs),
    /// Deploy a profile (the shared one, unless a client has its own) to every client on this machine
    #[command(
        after_help = "Example:\n  mcp-orchestration sync --dry-run\n  mcp-orchestration sync --profile team --yes"
    )]
    Sync(SyncArgs),
    /// Add a server (from the catalog, or a command or URL) to a profile as its next signed version
    #[command(
        after_help = "Example:\n  mcp-orchestration add filesystem --param path=~/work --sync\n  mcp-orchestration add github --url https://api.githubcopilot.com/mcp/ --header 'Authorization=Bearer ${secret:GITHUB_TOKEN}'\n  mcp-orchestration add mytool --client cursor -- uvx mytool --verbose"
    )]
    Add(AddArgs),
    /// Remove a server from a profile as its next signed version
    #[command(after_help = "Example:\n  mcp-orchestration remove filesystem --sync --yes")]
    Remove(RemoveArgs),
    /// Pin every package server of a profile to an exact version and digest, and fingerprint its tools
    #[command(
        after_help = "Example:\n  mcp-orchestration lock --check\n  mcp-orchestration lock --probe\n  mcp-orchestration lock --update filesystem"
    )]
    Lock(LockArgs),
    /// Re-check a profile's pins at the registries and re-list its servers' tools, or (--ci) every client file against the trusted profiles, locks and policies
    #[command(
        after_help = "Example:\n  mcp-orchestration audit\n  mcp-orchestration audit --client cursor --json\n  mcp-orchestration audit --ci --format sarif > audit.sarif\n\nExit codes: 0 no findings (notes only), 5 findings (errors or warnings), 2 bad flags."
    )]
    Audit(AuditArgs),
    /// List a client's deployment records
    #[command(after_help = "Example:\n  mcp-orchestration deployments cursor --json")]
    Deployments(FileArgs),
    /// Compare a client's live file with a profile: status, changes and what to do
    #[command(
        after_help = "Example:\n  mcp-orchestration diff cursor\n  mcp-orchestration diff vscode --file .vscode/mcp.json --profile team --exit-code"
    )]
    Diff(DiffArgs),
    /// Drift of every client file on this machine, in one table
    #[command(
        after_help = "Example:\n  mcp-orchestration status\n  mcp-orchestration status --check   # exit 5 on drift (CI, cron)"
    )]
    Status(StatusArgs),
    /// Check the home, keys, store, locks, client files and the commands profiles launch
    #[command(
        after_help = "Example:\n  mcp-orchestration doctor\n  mcp-orchestration doctor --fix   # repair what an interrupted write left"
    )]
    Doctor(DoctorArgs),
    /// Remove what the home no longer needs: old events, unneeded backups, dead cache entries,
    /// temp files (lists them and asks first on a terminal; --yes in scripts)
    #[command(
        after_help = "Example:\n  mcp-orchestration gc --dry-run\n  mcp-orchestration gc\n  mcp-orchestration gc --yes --keep-backups 5 --events-max-age-days 7   # cron"
    )]
    Gc(GcArgs),
    /// The server catalog: list, search, show, import registry server.json files
    #[command(
        subcommand,
        after_help = "Example:\n  mcp-orchestration servers list --query github\n  mcp-orchestration servers show filesystem"
    )]
    Servers(ServersCommand),
    /// Edit a profile's draft, validate it and publish it as the next version
    #[command(
        subcommand,
        after_help = "Example:\n  mcp-orchestration draft add-server cursor --profile dev filesystem --param path=/home/me/work\n  mcp-orchestration draft validate cursor --profile dev\n  mcp-orchestration draft publish cursor --profile dev"
    )]
    Draft(DraftCommand),
    /// Values behind ${secret:NAME} references (kept 0600 in the home, never printed)
    #[command(
        subcommand,
        after_help = "Example:\n  printf %s \"$TOKEN\" | mcp-orchestration secrets set GITHUB_TOKEN\n  mcp-orchestration secrets list"
    )]
    Secrets(SecretsCommand),
    /// Serve MCP over stdio (the default with no subcommand), or streamable HTTP with --http
    #[command(after_help = "Example:\n  mcp-orchestration serve\n  mcp-orchestration serve --http 127.0.0.1:8765")]
    Serve(ServeArgs),
    /// Move artifacts of a home written by the original Python tool into signed versions
    #[command(after_help = "Example:\n  mcp-orchestration migrate --dry-run\n  mcp-orchestration migrate")]
    Migrate(MigrateArgs),
    /// Run a command with every stored secret in its environment (as NAME=value), for clients
    /// that read ${NAME} / ${env:NAME} from their environment instead of holding the value
    #[command(after_help = "Example:\n  mcp-orchestration exec -- claude\n  mcp-orchestration exec -- code .")]
    Exec(ExecArgs),
    /// A stdio MCP server that forwards everything to a remote MCP server (streamable HTTP or SSE)
    #[command(
        long_about = "A stdio MCP server that forwards everything to a remote MCP server, for clients that can \
only start stdio servers: tools, resources, prompts, completions, logging, notifications both ways \
and cancellation. Its initialize answer is the remote's.\n\n\
The remote speaks streamable HTTP (the default, --transport http) or the older HTTP+SSE transport \
(protocol 2024-11-05, --transport sse: URL is its event-stream endpoint, often .../sse; the bridge \
POSTs to the message endpoint the stream names, which must be on the same origin).\n\n\
Header values may hold ${secret:NAME} (the secret store) and ${env:NAME} references, resolved \
once at start, sent with every request and never printed. The remote session is opened at start: \
an unreachable remote, refused headers or (with --transport sse) a URL that is not an SSE \
endpoint end the bridge with exit 1 and a message on stderr.",
        after_help = "Example:\n  mcp-orchestration bridge https://mcp.example.com/mcp --header 'Authorization=Bearer ${secret:EXAMPLE_TOKEN}'\n  mcp-orchestration bridge http://127.0.0.1:8931/sse --transport sse"
    )]
    Bridge(BridgeArgs),
    /// Remotes: OCI registries that share signed profiles (add, list, remove, login)
    #[command(
        subcommand,
        after_help = "Example:\n  mcp-orchestration remote add team oci://ghcr.io/acme/mcp-profiles\n  mcp-orchestration remote add team oci://registry.corp:5000/mcp --ca-file corp-ca.pem --trust-key sha256:4f2a…\n  printf %s \"$TOKEN\" | mcp-orchestration remote login team --username ci --password-stdin"
    )]
    Remote(RemoteCommand),
    /// Upload this home's versions the remote lacks, then move its heads (refused, exit 7, when
    /// the remote holds a version this home has not seen: pull first)
    #[command(
        after_help = "Example:\n  mcp-orchestration push team --all\n  mcp-orchestration push --profile default   # the shared profile `default`\n  mcp-orchestration push team --client cursor --profile dev"
    )]
    Push(TransferArgs),
    /// Download a remote's new versions, verify every one, then store them (nothing is stored
    /// unless all verify)
    #[command(
        after_help = "Example:\n  mcp-orchestration pull team\n  mcp-orchestration pull team --shared --profile default\n  mcp-orchestration sync --from team --yes   # pull, then deploy"
    )]
    Pull(TransferArgs),
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish
    #[command(
        after_help = "Example:\n  mcp-orchestration completions bash > ~/.local/share/bash-completion/completions/mcp-orchestration\n  mcp-orchestration completions zsh > ~/.zfunc/_mcp-orchestration\n  mcp-orchestration completions fish > ~/.config/fish/completions/mcp-orchestration.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory
    #[command(
        after_help = "Example:\n  mcp-orchestration man | man -l -\n  mcp-orchestration man --dir ~/.local/share/man/man1"
    )]
    Man(ManArgs),
    /// Tokens for the REST API of `serve --http` (`read` or `write` scope; only hashes are kept)
    #[command(
        subcommand,
        after_help = "Example:\n  mcp-orchestration tokens create --name CI --scope read\n  mcp-orchestration tokens list\n  mcp-orchestration tokens revoke CI"
    )]
    Tokens(TokensCommand),
    /// Signed policies: what may run (org → team → user; publish, deploy, sync and add enforce them)
    #[command(
        subcommand,
        after_help = "Example:\n  mcp-orchestration policy sign acme.json --layer org > acme.signed.json\n  mcp-orchestration policy trust acme.signed.json\n  mcp-orchestration policy check --client cursor"
    )]
    Policy(PolicyCommand),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write mcp-orchestration.1 and one mcp-orchestration-COMMAND.1 page per command here
    /// instead of printing the main page
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BridgeArgs {
    /// The remote server's endpoint (http:// or https://): its streamable-HTTP one, or with
    /// `--transport sse` its SSE one (often …/sse)
    #[arg(value_name = "URL")]
    pub url: String,
    /// The transport the remote server speaks: `http` (streamable HTTP) or `sse` (the older
    /// HTTP+SSE transport, protocol 2024-11-05)
    #[arg(long, value_enum, value_name = "TRANSPORT", default_value_t = BridgeTransport::Http)]
    pub transport: BridgeTransport,
    /// A header sent with every request, NAME=VALUE; VALUE may hold ${secret:NAME} / ${env:NAME}
    /// (repeatable)
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = name_value)]
    pub headers: Vec<(String, String)>,
    /// Seconds to wait at start for the remote's initialize answer
    #[arg(long, value_name = "SECS", default_value_t = mcp_server::bridge::DEFAULT_CONNECT_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub connect_timeout: u64,
}

/// The transports `bridge` forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BridgeTransport {
    /// Streamable HTTP
    Http,
    /// HTTP+SSE (protocol 2024-11-05)
    Sse,
}

/// `NAME=VALUE`, split at the first `=`.
fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err("expected NAME=VALUE, e.g. Authorization=Bearer ${secret:TOKEN}".to_owned()),
    }
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The command and its arguments (after `--`)
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Re-seed every client's `default` profile as a new version
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ClientArg {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
}

/// A page of a listing: `--limit N --cursor C`.
#[derive(Debug, Args)]
pub struct PageFlags {
    /// Show at most N entries (1 to 1000)
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Go on after the page that printed this cursor (its `next_cursor`)
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    #[command(flatten)]
    pub page: PageFlags,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub page: PageFlags,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// Profile name
    #[arg(long, short, default_value = "default")]
    pub profile: String,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// Profile name
    #[arg(long, short)]
    pub profile: String,
    /// The servers document ({"mcpServers": {…}}); `-` reads stdin
    #[arg(long, short, value_name = "SERVERS.json")]
    pub file: PathBuf,
    /// A note stored (and signed) with the version
    #[arg(long)]
    pub note: Option<String>,
    /// Refuse this version after the duration (e.g. 12h, 30d)
    #[arg(long, value_name = "DURATION")]
    pub expires_in: Option<humantime::Duration>,
    /// Publish even when the document equals the head (otherwise no version is created)
    #[arg(long)]
    pub allow_same: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The artifact id (sha256:<hex>, or bare hex)
    #[arg(conflicts_with = "all", required_unless_present = "all")]
    pub artifact_id: Option<String>,
    /// Verify every version of every profile
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Print events matching the filters, oldest first
    #[command(
        after_help = "Example:\n  mcp-orchestration events query --type orchestrator.config --since 1h --limit 50"
    )]
    Query(EventQueryArgs),
    /// Count events by type and status
    #[command(after_help = "Example:\n  mcp-orchestration events stats --since 1d")]
    Stats(EventFilterArgs),
}

#[derive(Debug, Args)]
pub struct EventQueryArgs {
    #[command(flatten)]
    pub filter: EventFilterArgs,
    #[command(flatten)]
    pub page: PageFlags,
}

#[derive(Debug, Args)]
pub struct EventFilterArgs {
    /// Keep events whose type starts with this (e.g. orchestrator.config_publish)
    #[arg(long = "type", value_name = "PREFIX")]
    pub type_prefix: Option<String>,
    /// Keep events newer than this (e.g. 30m, 1h, 7d)
    #[arg(long, value_name = "DURATION")]
    pub since: Option<humantime::Duration>,
    /// Keep the events of one trace
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,
    /// Keep events with this status
    #[arg(long, value_parser = ["pending", "success", "failure"])]
    pub status: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show the signing key id and the trusted keys
    Show,
    /// Print the public key (SPKI PEM) for others to trust
    Export,
    /// Trust a public key file (SPKI PEM)
    Trust {
        /// The public key file
        file: PathBuf,
    },
    /// Stop trusting a key id
    Untrust {
        /// The key id (sha256:<hex>)
        key_id: String,
    },
    /// Replace the signing key; the old public key stays trusted until untrusted
    Rotate,
}

/// Whose file: the user's own, the project's, or the user's for one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// The user's own file, for every project (the default)
    User,
    /// The project's file (`.mcp.json`, `.vscode/mcp.json`, `.cursor/mcp.json`, …)
    Project,
    /// The user's, for this project only (Claude Code: `projects.<dir>` of ~/.claude.json)
    Local,
}

/// Which of a client's files: `--scope` and `--project`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// The client file of this scope (see `mcp-orchestration clients` for each client's scopes)
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,
    /// The project directory (default: from the current directory upward to the nearest VCS
    /// root or project file of the client, like git)
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
    /// The file to read (default: the client's config file on this machine)
    #[arg(long, short, conflicts_with = "scope")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Profile the servers are imported into
    #[arg(long, short)]
    pub profile: String,
    /// Publish the imported servers as the profile's next signed version
    #[arg(long)]
    pub publish: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
    /// Profile name
    #[arg(long, short, default_value = "default")]
    pub profile: String,
    /// The client file to merge into (it is only read; default: the client's config file)
    #[arg(long, value_name = "PATH", conflicts_with = "scope")]
    pub into: Option<PathBuf>,
    #[command(flatten)]
    pub scope: ScopeArgs,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
    /// Profile name
    #[arg(long, short, default_value = "default")]
    pub profile: String,
    /// The file to write (default: the client's config file on this machine)
    #[arg(long, short, conflicts_with = "scope")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Print the unified diff of the file's bytes and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Let the profile replace and manage the file's own entry NAME (one with a profile
    /// server's name that this home did not write); repeatable
    #[arg(long, value_name = "NAME")]
    pub adopt: Vec<String>,
    /// Adopt every such entry
    #[arg(long, conflicts_with = "adopt")]
    pub adopt_all: bool,
    /// Create the file's directory when it does not exist (the client may not be installed)
    #[arg(long)]
    pub create: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Client id (see `mcp-orchestration clients`)
    #[arg(required_unless_present = "sync")]
    pub client: Option<String>,
    /// Roll back every file this sync wrote (its id is printed by `sync`)
    #[arg(long, value_name = "SYNC_ID", conflicts_with_all = ["client", "file", "to", "dry_run"])]
    pub sync: Option<String>,
    /// The file (default: the client's config file on this machine)
    #[arg(long, short)]
    pub file: Option<PathBuf>,
    /// Restore the bytes this deployment wrote, or `original` for those before the first
    /// deploy (default: the bytes before the latest write)
    #[arg(long, value_name = "DEPLOYMENT_ID|original")]
    pub to: Option<String>,
    /// Roll back even though the file changed since it was written (those edits are lost)
    #[arg(long)]
    pub force: bool,
    /// Print the unified diff the rollback would make and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
    /// Only this file's records
    #[arg(long, short)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
    /// Profile (default: the one last deployed into the file, else `default`)
    #[arg(long, short)]
    pub profile: Option<String>,
    /// The file to compare (default: the client's config file on this machine)
    #[arg(long, short, conflicts_with = "scope")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Exit 5 when anything differs
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exit 5 when any deployed file drifted (outdated, diverged or missing)
    #[arg(long)]
    pub check: bool,
    /// Only the client files of this scope (default: user and project files; `local` lists
    /// Claude Code's entry for the project in ~/.claude.json)
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,
    /// The project directory (default: from the current directory upward, like git)
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Instead of client files: each profile against this remote (ahead, behind or equal)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["scope", "project"])]
    pub remote: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ServersCommand {
    /// List catalog servers, optionally filtered
    List {
        /// Match id, name, description or tags
        #[arg(value_name = "QUERY", conflicts_with = "query")]
        words: Option<String>,
        /// The same as QUERY
        #[arg(long)]
        query: Option<String>,
        /// Only this transport (stdio, http, sse)
        #[arg(long, short)]
        transport: Option<String>,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Show one catalog server: launch, parameters, environment
    Show {
        /// A built-in id, an imported registry name (io.github.owner/name), or an import's
        /// short name when only one import has it
        server_id: String,
    },
    /// Import an MCP registry server.json file into this home's catalog, under its registry name
    Import {
        /// The server.json file
        path: PathBuf,
        /// Overwrite your earlier import of the same registry name
        #[arg(long)]
        replace: bool,
    },
    /// Remove an imported server from this home's catalog (built-in ones cannot be removed)
    Remove {
        /// Its registry name (io.github.owner/name), or its short name when unambiguous
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct DraftTarget {
    /// Client id (see `mcp-orchestration clients`)
    pub client: String,
    /// Profile name
    #[arg(long, short, default_value = "default")]
    pub profile: String,
}

#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// Show the draft (or, when there is none, the head it would start from)
    Show(DraftTarget),
    /// Add a catalog server to the draft
    AddServer {
        #[command(flatten)]
        target: DraftTarget,
        /// Catalog id (see `servers list`)
        server_id: String,
        /// Name of the entry (default: the catalog id)
        #[arg(long)]
        name: Option<String>,
        /// A parameter value, NAME=VALUE (repeatable)
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// An environment value, NAME=VALUE (repeatable); secret ones go to the secret store
        #[arg(long = "env", value_name = "NAME=VALUE")]
        env: Vec<String>,
    },
    /// Remove a server from the draft
    RemoveServer {
        #[command(flatten)]
        target: DraftTarget,
        /// The entry's name
        name: String,
    },
    /// Replace the draft with a servers document file (`-` reads stdin)
    Set {
        #[command(flatten)]
        target: DraftTarget,
        /// The servers document
        #[arg(long, short)]
        file: PathBuf,
    },
    /// Validate the draft (exit 6 on errors; warnings do not fail)
    Validate(DraftTarget),
    /// Validate and sign the draft as the next version
    Publish {
        #[command(flatten)]
        target: DraftTarget,
        /// A note stored (and signed) with the version
        #[arg(long)]
        note: Option<String>,
    },
    /// Drop the draft
    Discard(DraftTarget),
    /// Re-apply the draft's changes onto the profile's current head (after someone published)
    Rebase(DraftTarget),
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Store a secret; the value is read from stdin (or a hidden prompt), never an argument
    Set {
        /// Name used in ${secret:NAME}
        name: String,
    },
    /// List the names of stored secrets (never their values)
    List,
    /// Remove a secret
    Remove {
        /// The name
        name: String,
    },
    /// Let the MCP server resolve ${env:NAME} for these variables (none by default: a model
    /// connected over MCP cannot have other variables written into a file)
    #[command(name = "allow-env", after_help = "Example:\n  mcp-orchestration secrets allow-env HOME")]
    AllowEnv {
        /// Environment variable names
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Take variables off the MCP allowlist
    #[command(name = "disallow-env")]
    DisallowEnv {
        /// Environment variable names
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// List the variables the MCP server may resolve
    #[command(name = "allowed-env")]
    AllowedEnv,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Report what would be migrated without writing anything
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// First repair what is safe to repair: unfinished publishes, an untrusted own signing key,
    /// a stale verification_key.pem, the home's stale temp files
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// List what would be removed without removing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Remove without asking (needed when stdin is not a terminal: scripts, cron)
    #[arg(long, short)]
    pub yes: bool,
    /// Keep the backups of the last N deployment records of each client file
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_backups: u32,
    /// Remove event-log days older than this many days
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub events_max_age_days: u32,
    /// Remove the oldest event-log days until the log is at most this many MiB
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub events_max_mib: u64,
}
