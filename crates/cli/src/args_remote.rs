//! The command line of sharing through an OCI registry: `remote …` and the scope flags of
//! `push`/`pull` (clap definitions only; see `commands/remote.rs`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    /// Add a remote: oci://HOST[:PORT]/REPOSITORY (HTTPS with the system roots or --ca-file)
    Add {
        /// Its name (used by push, pull, status --remote, sync --from)
        name: String,
        /// oci://HOST[:PORT]/REPOSITORY
        #[arg(value_name = "oci://HOST[:PORT]/REPOSITORY")]
        url: String,
        /// A PEM file of CA certificates to trust for this registry (besides the system roots)
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
        /// Plain HTTP instead of HTTPS (loopback addresses only: localhost, 127.x.x.x)
        #[arg(long)]
        plain_http: bool,
        /// Seconds to wait for a connection or the next bytes of an answer
        #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
        /// Trust the public key with this id when the remote serves it (repeatable); trust
        /// never comes from the registry otherwise (see `keys trust`)
        #[arg(long = "trust-key", value_name = "sha256:HEX")]
        trust_keys: Vec<String>,
    },
    /// List remotes (never their credentials)
    List,
    /// Remove a remote (and its stored login)
    Remove {
        /// Its name
        name: String,
    },
    /// Check a user name and password (or token) with the registry and store them for the
    /// remote (0600 in the home); the password is read from stdin only
    Login {
        /// The remote
        name: String,
        /// The user name
        #[arg(long, short)]
        username: String,
        /// Read the password or token from stdin (required: never on the command line)
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// Which profiles a push or pull covers.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// The remote (default: the only one configured)
    pub remote: Option<String>,
    /// Only this client's own profiles
    #[arg(long, value_name = "CLIENT", conflicts_with_all = ["all", "shared"])]
    pub client: Option<String>,
    /// Only the shared profiles (the ones every client follows)
    #[arg(long, conflicts_with = "all")]
    pub shared: bool,
    /// Every client's profiles and the shared ones (the default without --profile)
    #[arg(long)]
    pub all: bool,
    /// Only this profile; without --client or --all, the shared profile of that name
    #[arg(long, short)]
    pub profile: Option<String>,
}
