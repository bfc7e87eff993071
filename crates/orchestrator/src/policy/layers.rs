//! Layers: org → team → user. Every installed policy is read and verified on each use; the
//! policies in force are all of them, highest layer first, and a lower layer can only
//! tighten: a server is allowed only when every policy of every layer allows it (a deny
//! anywhere wins, so a user's allow never re-allows what the org denied), and the maximum
//! number of servers is the smallest any policy sets.
//!
//! On disk: `policies/<layer>/<name>.json`, the signed file exactly as it was trusted. A file
//! whose signed name or layer differs from where it sits was moved by hand and is refused, and
//! so is one below its rollback floor (`floor.rs`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::floor::{self, FloorError};
use super::signed::{self, PolicyVerifyError, VerifiedPolicy};
use crate::home::Home;
use crate::trust::TrustStore;

/// Where a policy sits in the hierarchy; lower layers can only tighten higher ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyLayer {
    /// The organisation's.
    Org,
    /// A team's.
    Team,
    /// The user's own.
    User,
}

impl PolicyLayer {
    /// Every layer, highest first.
    pub const ALL: [PolicyLayer; 3] = [PolicyLayer::Org, PolicyLayer::Team, PolicyLayer::User];

    /// `org`, `team` or `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyLayer::Org => "org",
            PolicyLayer::Team => "team",
            PolicyLayer::User => "user",
        }
    }

    /// The layer of that name.
    pub fn parse(name: &str) -> Option<PolicyLayer> {
        PolicyLayer::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

impl std::fmt::Display for PolicyLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an installed policy file was not honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstalledError {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Read(String),
    /// It did not verify.
    #[error(transparent)]
    Verify(#[from] PolicyVerifyError),
    /// Below this home's rollback floor for it (put back by hand), or another policy under the
    /// floor's version.
    #[error(transparent)]
    Floor(#[from] FloorError),
    /// Its signed name or layer is not where it sits.
    #[error("it is signed as {signed_layer}/{signed_name} but sits at {layer}/{name}: it was moved by hand")]
    Misplaced {
        /// The directory's layer.
        layer: PolicyLayer,
        /// The file's name.
        name: String,
        /// The signed layer.
        signed_layer: PolicyLayer,
        /// The signed name.
        signed_name: String,
    },
}

/// One policy file of the home and what reading it gave.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The layer directory it is in.
    pub layer: PolicyLayer,
    /// Its file name without `.json`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// The verified policy, or why it was refused.
    pub policy: Result<VerifiedPolicy, InstalledError>,
}

/// Every policy file of the home, highest layer first and by name, each verified now against
/// `trust`. Files that are not `*.json` (temp files of an interrupted write) are skipped.
pub fn installed(home: &Home, trust: &TrustStore) -> Vec<Installed> {
    let mut out = Vec::new();
    for layer in PolicyLayer::ALL {
        let dir = home.policies_dir(layer.as_str());
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".json")).map(str::to_owned))
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        for name in names {
            let path = home.policy_file(layer.as_str(), &name);
            let policy = read_one(home, &path, layer, &name, trust);
            out.push(Installed { layer, name, path, policy });
        }
    }
    out
}

fn read_one(
    home: &Home,
    path: &std::path::Path,
    layer: PolicyLayer,
    name: &str,
    trust: &TrustStore,
) -> Result<VerifiedPolicy, InstalledError> {
    let bytes = crate::fsutil::read(path).map_err(|e| InstalledError::Read(e.to_string()))?;
    let verified = signed::verify(&bytes, trust)?;
    if verified.layer() != layer || verified.name() != name {
        return Err(InstalledError::Misplaced {
            layer,
            name: name.to_owned(),
            signed_layer: verified.layer(),
            signed_name: verified.name().to_owned(),
        });
    }
    floor::check(home, &verified)?;
    Ok(verified)
}

/// The combined settings of the policies in force, for display: the smallest maximum and
/// which policy sets it, and whether pinning is required (by any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// The smallest `max_servers` and the policy (`layer/name`) that sets it.
    pub max_servers: Option<(u64, String)>,
    /// The policies (`layer/name`) that require pinned packages.
    pub require_pinned: Vec<String>,
    /// The policies that forbid `npx -y` of unpinned packages.
    pub forbid_unpinned_npx_y: Vec<String>,
}

/// `layer/name` of a policy.
pub fn label(policy: &VerifiedPolicy) -> String {
    format!("{}/{}", policy.layer(), policy.name())
}

/// Combines the policies in force (highest layer first): tighten only.
pub fn effective(policies: &[VerifiedPolicy]) -> Effective {
    let mut out = Effective::default();
    for policy in policies {
        let document = policy.document();
        if let Some(max) = document.max_servers
            && out.max_servers.as_ref().is_none_or(|(m, _)| max < *m)
        {
            out.max_servers = Some((max, label(policy)));
        }
        if document.require_pinned {
            out.require_pinned.push(label(policy));
        }
        if document.forbid_unpinned_npx_y {
            out.forbid_unpinned_npx_y.push(label(policy));
        }
    }
    out
}
