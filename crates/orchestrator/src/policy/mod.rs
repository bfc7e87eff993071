//! Signed organisation policies: what may run, layered org → team → user, enforced by every
//! operation that publishes or writes a servers document.
//!
//! - [`document`]: the rules (a versioned schema that refuses unknown fields).
//! - [`signed`]: signing and the one verifier (a policy's own statement type, so a policy and
//!   a profile can never stand in for each other).
//! - [`floor`]: the rollback floor (a policy never replaced by an older one).
//! - [`layers`]: the installed policies of a home and how layers combine (tighten only).
//! - [`remote`]: a signed policy as an OCI artifact (tags, manifest) on a remote.
//! - [`evaluate`]: a servers document against the policies in force, as findings.
//! - [`render`], [`render_file`]: the policies as a client's own managed settings.
//!
//! The operations adapters call (`policy sign|trust|list|remove|check` and the enforcement
//! hooks of publish, deploy, sync and add) are in `service/policy.rs`.

pub mod document;
pub mod evaluate;
pub mod floor;
pub mod layers;
pub mod remote;
pub mod render;
pub mod render_codex;
pub mod render_file;
pub mod signed;

use std::path::PathBuf;

pub use document::{DocumentError, PolicyDocument};
pub use evaluate::{Finding, evaluate};
pub use floor::FloorError;
pub use layers::{Effective, Installed, InstalledError, PolicyLayer};
pub use signed::{POLICY_TYPE, PolicyVerifyError, VerifiedPolicy};

use crate::error::ErrorKind;

/// Why a policy operation failed, or an operation was refused by a policy.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The servers document breaks rules of policies in force (exit 6).
    #[error("refused by policy (nothing was written): {}; `mcp-orchestration policy check` explains", list(.findings))]
    Violation {
        /// Every rule broken, highest layer first.
        findings: Vec<Finding>,
    },
    /// A policy document that is not valid (exit 6).
    #[error("{}: not a valid policy document: {reason}", origin.display())]
    Document {
        /// The file it came from.
        origin: PathBuf,
        /// What is wrong.
        reason: DocumentError,
    },
    /// A signed policy offered to `policy trust` that does not verify (exit 4 or 8).
    #[error("{}: {reason} (nothing was installed)", origin.display())]
    Verify {
        /// The file offered.
        origin: PathBuf,
        /// Why it was refused.
        reason: PolicyVerifyError,
    },
    /// A policy offered to `policy trust` or pulled that is older than the one this home
    /// installed (exit 9) or another policy under the same version (exit 4).
    #[error("{origin}: policy {layer}/{name}: {reason}")]
    Floor {
        /// Where it came from (a file, or a remote's tag).
        origin: String,
        /// Its layer.
        layer: PolicyLayer,
        /// Its name.
        name: String,
        /// Why it was refused.
        reason: FloorError,
    },
    /// An installed policy that no longer verifies: never ignored, so the operation is refused
    /// (exit 4 or 8).
    #[error(
        "installed policy {layer}/{name} ({}) is not honoured: {reason}; nothing was done: fix the trust store or run `mcp-orchestration policy remove {name} --layer {layer}`",
        path.display()
    )]
    Installed {
        /// Its layer.
        layer: PolicyLayer,
        /// Its name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// Why it was refused.
        reason: InstalledError,
    },
    /// No installed policy of that name (exit 3).
    #[error("no installed policy '{name}'{}: see `mcp-orchestration policy list`", layer.map(|l| format!(" in layer {l}")).unwrap_or_default())]
    NotFound {
        /// The name asked for.
        name: String,
        /// The layer asked for, if any.
        layer: Option<PolicyLayer>,
    },
    /// A name in several layers, removed without `--layer` (exit 2).
    #[error("policy '{name}' is installed in several layers ({}): name one with --layer", layers.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// The name.
        name: String,
        /// The layers holding it.
        layers: Vec<PolicyLayer>,
    },
    /// `policy render` rendered or wrote nothing.
    #[error(transparent)]
    Render(#[from] render::RenderError),
}

fn list(findings: &[Finding]) -> String {
    findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

fn verify_kind(error: &PolicyVerifyError) -> ErrorKind {
    if error.is_signature() { ErrorKind::Signature } else { ErrorKind::Integrity }
}

fn floor_kind(error: &FloorError) -> ErrorKind {
    match error {
        FloorError::Rollback { .. } => ErrorKind::Freshness,
        FloorError::Equivocation { .. } => ErrorKind::Integrity,
        FloorError::Unreadable { .. } => ErrorKind::Other,
    }
}

impl PolicyError {
    /// The documented kind (exit code) of this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PolicyError::Violation { .. } | PolicyError::Document { .. } => ErrorKind::Validation,
            PolicyError::Verify { reason, .. } => verify_kind(reason),
            PolicyError::Installed { reason: InstalledError::Verify(e), .. } => verify_kind(e),
            PolicyError::Installed { reason: InstalledError::Misplaced { .. }, .. } => ErrorKind::Integrity,
            PolicyError::Installed { reason: InstalledError::Floor(e), .. } | PolicyError::Floor { reason: e, .. } => {
                floor_kind(e)
            }
            PolicyError::Installed { reason: InstalledError::Read(_), .. } => ErrorKind::Other,
            PolicyError::NotFound { .. } => ErrorKind::NotFound,
            PolicyError::Ambiguous { .. } => ErrorKind::Usage,
            PolicyError::Render(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod evaluate_tests;
