//! The flags of `policy sign|trust|list|remove|check|push|pull`: clap definitions only.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::args::ScopeArgs;

/// A policy layer: lower layers can only tighten higher ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayerArg {
    /// The organisation's policy
    Org,
    /// A team's policy
    Team,
    /// The user's own policy
    User,
}

/// `policy sign|trust|list|remove|check`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Sign a policy document with this home's key (prints the signed policy; writes nothing here)
    Sign(PolicySignArgs),
    /// Install a signed policy into this home (its signer's key must be trusted: `keys trust`)
    Trust {
        /// The signed policy file (from `policy sign`)
        file: PathBuf,
    },
    /// List the installed policies, each verified now
    List,
    /// Remove an installed policy
    Remove {
        /// The policy's name
        name: String,
        /// Its layer (needed when several layers have a policy of that name)
        #[arg(long, value_enum)]
        layer: Option<LayerArg>,
    },
    /// Explain a servers document, a client's live file or a profile against every installed
    /// policy (exit 6 when a rule is broken)
    Check(PolicyCheckArgs),
    /// Compile the installed policies into a client's own managed settings (Claude Code,
    /// GitHub Copilot, Gemini CLI): a preview on stdout, --output FILE, or --system
    Render(crate::commands::policy_render::PolicyRenderArgs),
    /// Upload the installed policies (each verified now) to a remote as OCI artifacts (refused,
    /// exit 7, when the remote holds a newer one: pull first)
    Push(PolicyTransferArgs),
    /// Download a remote's newest policies, verify each like `policy trust` (a signer this home
    /// trusts, never older than installed), then install them (`sync --from` does this first)
    Pull(PolicyTransferArgs),
}

/// Which policies `policy push`/`policy pull` cover.
#[derive(Debug, Args)]
pub struct PolicyTransferArgs {
    /// The remote (default: the only one configured; see `remote add`)
    pub remote: Option<String>,
    /// Only this layer's policies
    #[arg(long, value_enum)]
    pub layer: Option<LayerArg>,
    /// Only the policy of this name
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct PolicySignArgs {
    /// The policy document (JSON: {"schema_version": 1, …}; see README "Policy")
    pub file: PathBuf,
    /// The layer the policy is for
    #[arg(long, value_enum, default_value = "org")]
    pub layer: LayerArg,
    /// The policy's name (default: the file's name without its extension)
    #[arg(long)]
    pub name: Option<String>,
    /// The policy's version: a follower refuses one older than it installed (default: one
    /// above the version this home installed of that layer and name, or 1)
    #[arg(long = "version", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub version: Option<u64>,
    /// Write the signed policy to this file instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// A servers document ({"mcpServers": {…}}) to check
    #[arg(conflicts_with = "client")]
    pub file: Option<PathBuf>,
    /// Check this client's live file (its user file, or --scope's), or with --profile the
    /// profile it follows
    #[arg(long, value_name = "CLIENT", required_unless_present = "file")]
    pub client: Option<String>,
    /// With --client: check the verified head of this profile as the client follows it
    #[arg(long, short, requires = "client", conflicts_with = "scope")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub scope: ScopeArgs,
}
