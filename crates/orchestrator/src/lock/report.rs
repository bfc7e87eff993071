//! What `lock --check`, `lock` and `audit` report: plain data the adapters print as tables or
//! JSON.

use serde::Serialize;

use super::fingerprint::ToolsChange;
use crate::package_ref::Ecosystem;

/// How far a server is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinState {
    /// A registry package pinned to an exact version (or an image to a digest).
    Pinned,
    /// A registry package whose version is a range, a tag or absent.
    Unpinned,
    /// A package runner whose package is not from a registry (git, a path, a URL).
    Unresolvable,
    /// Not a package (a plain program or a remote server): nothing to pin.
    NoPackage,
}

/// One server in `lock --check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    /// The server's name.
    pub server: String,
    /// How far it is pinned.
    pub state: PinState,
    /// The registry, for a package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Ecosystem>,
    /// The package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The version, range or tag the args ask for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// The version in the server's `lock`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_version: Option<String>,
    /// The tool fingerprint in the server's `lock`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools_sha256: Option<String>,
    /// Why a package cannot be pinned, or what else to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `lock --check`: every server of a profile and how far it is pinned.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The subject whose profile was read (`_shared` for the shared one).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// The version read.
    pub version: u64,
    /// One row per server.
    pub servers: Vec<CheckRow>,
    /// The servers that are not pinned (unpinned or unresolvable packages).
    pub unpinned: Vec<String>,
}

/// What `lock` did to one server.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LockChange {
    /// The server's name.
    pub server: String,
    /// `pinned` (first pin), `updated` (pin moved), `recorded` (a pin written by hand got its
    /// lock), `unchanged`, `probed` (only the tool fingerprint changed or was first taken),
    /// `skipped` (nothing to resolve: the reason is in `note`) or `failed` (`error`).
    pub action: String,
    /// The registry, for a package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Ecosystem>,
    /// The package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The version before (locked, or asked for in the args).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    /// The version pinned now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
    /// The integrity digest before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_integrity: Option<String>,
    /// The integrity digest now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_integrity: Option<String>,
    /// The tool fingerprint taken now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools_sha256: Option<String>,
    /// How the tool list changed since the last fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<ToolsChange>,
    /// Why it was skipped, or what else to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why it failed (resolution or probe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The exit code of the failure.
    #[serde(skip)]
    pub exit_code: Option<u8>,
}

/// What `lock` did to a profile.
#[derive(Debug, Clone, Serialize)]
pub struct LockReport {
    /// The subject (`_shared` for the shared profile).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// The version the lock started from.
    pub from_version: u64,
    /// The version published (equal to `from_version` when nothing changed).
    pub version: u64,
    /// Its artifact id.
    pub artifact_id: String,
    /// Whether a new version was published.
    pub created: bool,
    /// One entry per server.
    pub changes: Vec<LockChange>,
}

impl LockReport {
    /// The servers that failed to resolve or probe.
    pub fn failed(&self) -> Vec<&LockChange> {
        self.changes.iter().filter(|c| c.error.is_some()).collect()
    }
}

/// What kind of finding `audit` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A package server not pinned to an exact version.
    Unpinned,
    /// Pinned in its args, but without a lock (no digest recorded).
    Unlocked,
    /// The args pin another version (or package) than the lock records.
    PinMismatch,
    /// The registry serves other bytes for the locked version than were locked.
    IntegrityChanged,
    /// The registry no longer serves the locked version.
    PinGone,
    /// The tools the server offers differ from its fingerprint while its pin did not change.
    ToolsChanged,
    /// The server could not be started or listed.
    ProbeFailed,
    /// The registry could not be asked.
    RegistryFailed,
    /// A newer version matches what the entry asked for (`lock --update` moves to it).
    UpdateAvailable,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The server's name.
    pub server: String,
    /// What was found.
    pub kind: FindingKind,
    /// `error`, `warning` or `note` (SARIF levels); only errors and warnings fail the audit.
    pub level: &'static str,
    /// One sentence a person can act on.
    pub message: String,
    /// The package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The version locked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_version: Option<String>,
    /// The integrity locked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_integrity: Option<String>,
    /// The integrity the registry serves now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_integrity: Option<String>,
    /// The newest version the entry's range allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_version: Option<String>,
    /// How the tools changed: old and new fingerprints and the tools concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<ToolsChange>,
}

impl Finding {
    pub(crate) fn new(server: &str, kind: FindingKind, message: String) -> Finding {
        let level = match kind {
            FindingKind::UpdateAvailable => "note",
            FindingKind::ProbeFailed | FindingKind::RegistryFailed | FindingKind::Unlocked => "warning",
            _ => "error",
        };
        Finding {
            server: server.to_owned(),
            kind,
            level,
            message,
            package: None,
            locked_version: None,
            locked_integrity: None,
            served_integrity: None,
            newest_version: None,
            tools: None,
        }
    }

    /// Whether this finding fails the audit (errors and warnings; notes do not).
    pub fn fails(&self) -> bool {
        self.level != "note"
    }
}

/// `audit`: the findings of one profile.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The subject read (`_shared` for the shared profile).
    pub client_id: String,
    /// The profile.
    pub profile_id: String,
    /// The version audited.
    pub version: u64,
    /// The servers looked at.
    pub servers: Vec<String>,
    /// What was found.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Whether any finding fails the audit.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(Finding::fails)
    }
}
