//! The flags of `lock` and `audit`: clap definitions only.

use clap::Args;

/// Whose profile: the shared one (default, `--all`) or one client's own.
#[derive(Debug, Args)]
pub struct LockTarget {
    /// Profile name
    #[arg(long, short, default_value = "default")]
    pub profile: String,
    /// This client's own profile (a client that follows the shared profile is locked with --all)
    #[arg(long, value_name = "CLIENT", conflicts_with = "all")]
    pub client: Option<String>,
    /// The shared profile every client follows (the default)
    #[arg(long)]
    pub all: bool,
}

impl LockTarget {
    /// The subject id the core takes: the client, or `_shared`.
    pub fn subject(&self) -> &str {
        self.client.as_deref().unwrap_or(orchestrator::ids::SHARED)
    }
}

/// Where packages are resolved and how long the network may take.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// The npm registry (default: $npm_config_registry, else a locked server's own, else
    /// https://registry.npmjs.org/)
    #[arg(long, value_name = "URL")]
    pub npm_registry: Option<String>,
    /// The Python package index, simple API (default: $UV_DEFAULT_INDEX, $UV_INDEX_URL or
    /// $PIP_INDEX_URL, else a locked server's own, else https://pypi.org/simple/)
    #[arg(long, value_name = "URL")]
    pub pypi_index: Option<String>,
    /// Seconds a probed server may take to start and list its tools
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub probe_timeout: u64,
    /// An extra CA certificate (PEM) for image registries with a private CA
    #[arg(long, value_name = "FILE")]
    pub oci_ca_file: Option<std::path::PathBuf>,
    /// Reach image registries on this machine (127.0.0.1, localhost) over plain HTTP
    #[arg(long)]
    pub oci_plain_http: bool,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    #[command(flatten)]
    pub target: LockTarget,
    /// List the servers that are not pinned and write nothing (exit 5 when any is not)
    #[arg(long, conflicts_with_all = ["update", "probe"])]
    pub check: bool,
    /// Move pins forward within the range first asked for (every server, or NAME), and show
    /// what changed
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub update: Option<String>,
    /// Start every server as its client would and record its tool-list fingerprint
    #[arg(long)]
    pub probe: bool,
    #[command(flatten)]
    pub registries: RegistryArgs,
}

/// How `audit --ci` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// A table on stdout, a summary on stderr
    Text,
    /// The report as JSON (as --json)
    Json,
    /// A SARIF 2.1.0 log (GitHub code scanning, other CI tools)
    Sarif,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub target: LockTarget,
    /// Do not start servers (check pins and digests only)
    #[arg(long, conflicts_with = "ci")]
    pub no_probe: bool,
    /// Audit every client file on this machine (user, project and local scope) against the
    /// profiles, locks and policies this home trusts; no network unless --probe (exit 5 on
    /// findings)
    #[arg(long, conflicts_with_all = ["client", "all", "profile"])]
    pub ci: bool,
    /// With --ci: also re-resolve the locked versions at their registries and re-list the
    /// tools of every server with a fingerprint
    #[arg(long, requires = "ci")]
    pub probe: bool,
    /// With --ci: the output format (text, json or sarif)
    #[arg(long, value_enum, requires = "ci", value_name = "FORMAT")]
    pub format: Option<AuditFormat>,
    /// With --ci: the project whose files are audited (default: found upward from here, like
    /// git); its project-scope files get URIs relative to it in SARIF (default: relative to
    /// the current directory)
    #[arg(long, value_name = "DIR", requires = "ci")]
    pub project: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub registries: RegistryArgs,
}
