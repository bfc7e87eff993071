//! `audit --ci`: every client file on the machine (user, project and local scope) checked
//! against what this home trusts, as findings a CI system can show.
//!
//! - [`collect`]: the checks, each reusing the operation that owns the concept: drift from the
//!   signed head (`Orchestrator::status`, the one semantic diff), pins of the live entries
//!   against the profile's locks (`lock::Finding` kinds and levels), the trusted policies
//!   (`policy::evaluate` on the live servers), and with `--probe` the network re-checks of
//!   `Orchestrator::audit` (digests at the registry, tool lists).
//! - [`lines`]: the line of a server's entry in its file, found cheaply, for SARIF regions.
//! - [`sarif`]: the report as a SARIF 2.1.0 log (one run, rules, results with locations).
//!
//! Every finding has a stable rule id (`drift/diverged`, `lock/unpinned`,
//! `policy/servers.deny`, …: [`RULES`] lists the fixed ones; a policy rule id is `policy/`
//! and the policy's rule name), a level (`error`, `warning`, `note`; only errors and warnings
//! fail the audit), the client, scope, file, server and a message that says what to do. No
//! message holds a value from a server entry: they name servers, packages, versions, rules
//! and JSON pointers, and pass a backstop that masks every known secret value.

mod collect;
mod lines;
mod paged;
mod sarif;

use serde::Serialize;

pub use collect::CiOptions;
pub use paged::CiPage;
pub use sarif::{SARIF_SCHEMA, SARIF_VERSION, ToolInfo, to_sarif};

/// How much a finding matters (SARIF's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fails the audit: something runs that should not, or not as signed.
    Error,
    /// Fails the audit: something to act on (a check could not be made, a pin without digest).
    Warning,
    /// Does not fail the audit (a newer version is available).
    Note,
}

impl Level {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    fn parse(level: &str) -> Level {
        match level {
            "error" => Level::Error,
            "warning" => Level::Warning,
            _ => Level::Note,
        }
    }
}

/// A fixed rule: its id, a short description and what to do (SARIF `help`).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The stable id.
    pub id: &'static str,
    /// What it finds, in one line.
    pub short: &'static str,
    /// What to do about it.
    pub help: &'static str,
}

/// Every fixed rule (policy rules are `policy/<rule>`, one per rule of the policy schema).
pub const RULES: &[Rule] = &[
    Rule {
        id: "drift/diverged",
        short: "A client file matches no signed version of the profile it follows",
        help: "Deploy the profile to restore the signed servers (`mcp-orchestration deploy CLIENT`), or import and publish the local edits as a new version",
    },
    Rule {
        id: "drift/outdated",
        short: "A client file holds an older signed version of its profile",
        help: "Deploy or sync to bring the file to the profile's head",
    },
    Rule {
        id: "drift/missing",
        short: "A client file this home deployed has no servers any more",
        help: "Deploy the profile again, or roll back",
    },
    Rule {
        id: "file/unreadable",
        short: "A client file that cannot be read or parsed, or whose profile cannot be read",
        help: "Fix the file (the message names the line and column) or the profile it follows",
    },
    Rule {
        id: "lock/unpinned",
        short: "A server runs a package without an exact version",
        help: "Run `mcp-orchestration lock` and deploy, so the file runs pkg@1.2.3",
    },
    Rule {
        id: "lock/unlocked",
        short: "A server pins a version by hand with no digest recorded",
        help: "Run `mcp-orchestration lock` to record the registry's digest of the pin",
    },
    Rule {
        id: "lock/pin-mismatch",
        short: "A server runs another version than its profile's lock pins",
        help: "Deploy the profile to restore the pinned command, or `lock --update` and deploy",
    },
    Rule {
        id: "lock/integrity-changed",
        short: "The registry serves other bytes for a locked version (with --probe)",
        help: "Do not run the package until you know why it was replaced",
    },
    Rule {
        id: "lock/pin-gone",
        short: "The registry no longer serves a locked version (with --probe)",
        help: "Move the pin with `mcp-orchestration lock --update NAME`",
    },
    Rule {
        id: "lock/tools-changed",
        short: "A server's tools changed while its pin did not: a rug pull (with --probe)",
        help: "Review the tools, then accept them with `mcp-orchestration lock --probe`",
    },
    Rule {
        id: "lock/probe-failed",
        short: "A server with a tool fingerprint could not be started or listed (with --probe)",
        help: "Check that the server starts; the message has its error",
    },
    Rule {
        id: "lock/registry-failed",
        short: "The registry could not be asked about a locked version (with --probe)",
        help: "Check the registry address and the network",
    },
    Rule {
        id: "lock/update-available",
        short: "A newer version matches what the server asked for (with --probe)",
        help: "Move the pin with `mcp-orchestration lock --update NAME` when you are ready",
    },
];

/// One finding of `audit --ci`.
#[derive(Debug, Clone, Serialize)]
pub struct CiFinding {
    /// The stable rule id (`drift/diverged`, `lock/unpinned`, `policy/servers.deny`, …).
    pub rule_id: String,
    /// `error`, `warning` or `note`.
    pub level: Level,
    /// The client whose file it is.
    pub client_id: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    /// The file.
    pub file: String,
    /// The line of the server's entry in the file (1-based), when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The server concerned (None: the whole file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// What was found and what to do.
    pub message: String,
    /// The profile the file follows (`client/profile vN`, or `_shared/profile vN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

impl CiFinding {
    /// Whether this finding fails the audit (errors and warnings).
    pub fn fails(&self) -> bool {
        self.level != Level::Note
    }
}

/// One client file looked at.
#[derive(Debug, Clone, Serialize)]
pub struct CiFile {
    /// The client.
    pub client_id: String,
    /// `user`, `project` or `local`.
    pub scope: String,
    /// The file.
    pub file: String,
    /// The drift status against the profile it follows (`up-to-date`, `unmanaged`, …; `error`
    /// when it could not be compared).
    pub status: String,
    /// The profile compared with (`client/profile vN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The number of servers in the file.
    pub servers: usize,
}

/// What `audit --ci` found.
#[derive(Debug, Clone, Serialize)]
pub struct CiReport {
    /// Every client file looked at.
    pub files: Vec<CiFile>,
    /// The number of trusted policies evaluated.
    pub policies: usize,
    /// Whether registries were asked and servers probed (`--probe`).
    pub probed: bool,
    /// Every finding, by file, then server, then rule.
    pub findings: Vec<CiFinding>,
}

impl CiReport {
    /// Whether any finding fails the audit.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(CiFinding::fails)
    }
}

#[cfg(test)]
mod tests;
